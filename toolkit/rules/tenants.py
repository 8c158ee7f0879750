"""VNI rules: tenants' VNIs, VLANs, planes and members."""

from __future__ import annotations

from toolkit.findings import YamlPath
from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, dups, frontends, server_models


@rule("VNI001", "error", "L2 and L3 VNIs are unique across all tenants")
def _vni(c: RuleCtx) -> Out:
    items: list[tuple[str | int, YamlPath]] = []
    for i, t in enumerate(c.spec.tenants):
        items.append((t.vni, ("tenants", i, "vni")))
        if t.l3vni is not None:
            items.append((t.l3vni, ("tenants", i, "l3vni")))
    yield from dups(items, "every L2VNI and L3VNI needs its own number", label="VNI ")


@rule("VNI002", "error", "tenant VLANs are unique on a plane")
def _vlan(c: RuleCtx) -> Out:
    yield from dups(
        [(f"{t.plane}/{t.vlan}", ("tenants", i, "vlan")) for i, t in enumerate(c.spec.tenants)],
        "give each tenant of a plane its own VLAN",
        label="VLAN ",
    )


@rule("VNI003", "error", "tenants are carried on a plane that exists (business network or dedicated storage)")
def _tenant_plane(c: RuleCtx) -> Out:
    planes = {p for p, _, _ in frontends(c.spec)}
    for i, t in enumerate(c.spec.tenants):
        if t.plane not in planes:
            yield (
                ("tenants", i, "plane"),
                f"no {t.plane} leaf-spine to carry tenant {t.name}",
                ("define networks.business (or a dedicated storage fabric)"),
            )


@rule(
    "VNI004",
    "error",
    "a server belongs to at most one tenant per plane, and has a port on that plane",
    needs=SERVER_LIST,
)
def _tenant_member(c: RuleCtx) -> Out:
    models = server_models(c.spec)
    seen: dict[tuple[str, str], str] = {}
    for i, t in enumerate(c.spec.tenants):
        for j, m in enumerate(t.members):
            if (m, t.plane) in seen:
                yield ("tenants", i, "members", j), f"{m} is already in tenant {seen[(m, t.plane)]}", ""
            seen[(m, t.plane)] = t.name
            model = c.spec.catalog.servers.get(models.get(m, ""))
            if model is not None and not any(n.role == t.plane for n in model.nics):
                yield ("tenants", i, "members", j), f"{m} has no {t.plane} NIC", "add one to its server model"
