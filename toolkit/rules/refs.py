"""REF rules: references to catalog models, servers and racks resolve."""

from __future__ import annotations

from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, racks, server_models, suggest, tier_models
from toolkit.spec.models import parse_breakout, parse_speed


@rule("REF001", "error")
def _server_model_ref(c: RuleCtx) -> Out:
    """every server group names a server model from catalog.servers"""
    known = sorted(c.spec.catalog.servers)
    for rack, path, _ in racks(c.spec):
        for k, g in enumerate(rack.servers):
            if g.model not in c.spec.catalog.servers:
                yield (
                    (*path, "servers", k, "model"),
                    f"unknown server model {g.model!r}",
                    suggest(g.model, known, f"known: {', '.join(known)}"),
                )


@rule("REF002", "error")
def _switch_model_ref(c: RuleCtx) -> Out:
    """every network tier names a switch model from catalog.switches"""
    known = sorted(c.spec.catalog.switches)
    for model, _, path in tier_models(c.spec):
        if model not in c.spec.catalog.switches:
            yield path, f"unknown switch model {model!r}", suggest(model, known, f"known: {', '.join(known)}")


@rule("REF003", "error", needs=SERVER_LIST)
def _tenant_refs(c: RuleCtx) -> Out:
    """tenant members are servers of the layout"""
    names = server_models(c.spec)
    for i, t in enumerate(c.spec.tenants):
        for m, mpath in t.member_refs():
            if m not in names:
                yield (
                    ("tenants", i, *mpath),
                    f"no server named {m!r}",
                    suggest(m, names, "use a server of the layout, e.g. a generated <rack>-gpu01"),
                )


@rule("REF004", "error", needs=SERVER_LIST)
def _storage_refs(c: RuleCtx) -> Out:
    """storage daemons run on servers of the layout"""
    names = server_models(c.spec)
    for i, ceph in enumerate(c.spec.storage.ceph):
        for key in ("mons", "mgrs", "osd_hosts", "rgws"):
            for j, h in enumerate(getattr(ceph, key)):
                if h not in names:
                    yield (
                        ("storage", "ceph", i, key, j),
                        f"no server named {h!r}",
                        suggest(h, names, "list servers of the layout"),
                    )
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for k, h in enumerate(p.servers):
                if h not in names:
                    yield (
                        ("storage", "minio", i, "pools", j, "servers", k),
                        f"no server named {h!r}",
                        suggest(h, names, "list servers of the layout"),
                    )


@rule("REF005", "error")
def _network_rack_ref(c: RuleCtx) -> Out:
    """layout.network_rack names a rack of the layout"""
    nr = c.spec.layout.network_rack
    names = [r.name for r, _, _ in racks(c.spec)]
    if nr and nr not in names:
        yield ("layout", "network_rack"), f"no rack named {nr!r}", suggest(nr, names, "name one of layout.racks")


@rule("REF006", "error", needs=("REF002",))
def _breakout_ref(c: RuleCtx) -> Out:
    """a breakout mode is one the switch model supports"""
    for model, breakout, path in tier_models(c.spec):
        m = c.spec.catalog.switches.get(model)
        if m is None or not breakout:
            continue
        lanes, speed = parse_breakout(breakout)
        if m.breakouts and breakout not in m.breakouts:
            yield (*path, "breakout"), f"{model} does not support {breakout}", f"supported: {', '.join(m.breakouts)}"
        elif lanes * speed > parse_speed(m.speed):
            yield (*path, "breakout"), f"{breakout} exceeds the {m.speed} cage of {model}", ""
