"""VNI rules: tenants' VNIs, VLANs, planes and members."""

from __future__ import annotations

from toolkit.findings import YamlPath
from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, dups, frontends, server_models


@rule("VNI001", "error")
def _vni(c: RuleCtx) -> Out:
    """L2 and L3 VNIs are unique across all tenants and their networks"""
    items: list[tuple[str | int, YamlPath]] = []
    for i, t in enumerate(c.spec.tenants):
        for j, n in enumerate(t.nets()):
            items.append((n.vni, ("tenants", i, *t.net_path(j), "vni")))
        if t.l3vni is not None:
            items.append((t.l3vni, ("tenants", i, "l3vni")))
    yield from dups(items, "every L2VNI and L3VNI needs its own number", label="VNI ")


@rule("VNI002", "error")
def _vlan(c: RuleCtx) -> Out:
    """tenant VLANs (every network of every tenant) are unique on a plane"""
    yield from dups(
        [
            (f"{t.plane}/{n.vlan}", ("tenants", i, *t.net_path(j), "vlan"))
            for i, t in enumerate(c.spec.tenants)
            for j, n in enumerate(t.nets())
        ],
        "give each tenant network of a plane its own VLAN",
        label="VLAN ",
    )


@rule("VNI003", "error")
def _tenant_plane(c: RuleCtx) -> Out:
    """tenants are carried on a plane that exists (business network or dedicated storage)"""
    planes = {p for p, _, _ in frontends(c.spec)}
    for i, t in enumerate(c.spec.tenants):
        if t.plane not in planes:
            yield (
                ("tenants", i, "plane"),
                f"no {t.plane} leaf-spine to carry tenant {t.name}",
                ("define networks.business (or a dedicated storage fabric)"),
            )


@rule("VNI004", "error", needs=SERVER_LIST)
def _tenant_member(c: RuleCtx) -> Out:
    """a server belongs to at most one tenant per plane, and has a port on that plane"""
    models = server_models(c.spec)
    seen: dict[tuple[str, str], str] = {}
    for i, t in enumerate(c.spec.tenants):
        for m, mpath in _first_refs(t.member_refs()):
            if (m, t.plane) in seen:
                yield ("tenants", i, *mpath), f"{m} is already in tenant {seen[(m, t.plane)]}", ""
            seen[(m, t.plane)] = t.name
            model = c.spec.catalog.servers.get(models.get(m, ""))
            if model is not None and not any(n.role == t.plane for n in model.nics):
                yield ("tenants", i, *mpath), f"{m} has no {t.plane} NIC", "add one to its server model"


def _first_refs(refs: list[tuple[str, YamlPath]]) -> list[tuple[str, YamlPath]]:
    """Each member once, at its first network (VNI006 reports the repeats)."""
    seen: set[str] = set()
    out = []
    for m, path in refs:
        if m not in seen:
            seen.add(m)
            out.append((m, path))
    return out


@rule("VNI006", "error", needs=SERVER_LIST)
def _one_network(c: RuleCtx) -> Out:
    """a server is in at most one network of a tenant (its plane ports carry one VLAN, untagged)"""
    for i, t in enumerate(c.spec.tenants):
        first: dict[str, str] = {}
        for j, n in enumerate(t.nets()):
            for k, m in enumerate(n.members):
                if m in first:
                    yield (
                        ("tenants", i, *t.net_path(j), "members", k),
                        f"tenant {t.name}: {m} is already in network {first[m]}; its {t.plane} ports would carry "
                        "both VLANs untagged (aidc does not design tagged server ports)",
                        "put the server in one network of the tenant",
                    )
                else:
                    first[m] = n.name


@rule("VNI005", "error")
def _net_names(c: RuleCtx) -> Out:
    """network names are unique within a tenant"""
    for i, t in enumerate(c.spec.tenants):
        yield from dups(
            [(n.name, ("tenants", i, "networks", j, "name")) for j, n in enumerate(t.networks)],
            "give each network of the tenant its own name",
            label="network ",
        )
