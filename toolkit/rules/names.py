"""NAME rules: names that must be unique."""

from __future__ import annotations

from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, dups, racks, servers


@rule("NAME001", "error", "rack names are unique across the whole layout")
def _rack_names(c: RuleCtx) -> Out:
    yield from dups([(r.name, (*p, "name")) for r, p, _ in racks(c.spec)])


@rule("NAME002", "error", "scalable unit names are unique")
def _su_names(c: RuleCtx) -> Out:
    yield from dups(
        [(su.name, ("layout", "scalable_units", i, "name")) for i, su in enumerate(c.spec.layout.scalable_units)]
    )


@rule("NAME003", "error", "server names (explicit or generated) are unique")
def _server_names(c: RuleCtx) -> Out:
    yield from dups([(n, p) for n, _, _, p in servers(c.spec)])


@rule("NAME004", "error", "tenant names are unique")
def _tenant_names(c: RuleCtx) -> Out:
    yield from dups([(t.name, ("tenants", i, "name")) for i, t in enumerate(c.spec.tenants)])


@rule("NAME005", "error", "NIC names are unique within a server model")
def _nic_names(c: RuleCtx) -> Out:
    for m, model in c.spec.catalog.servers.items():
        yield from dups([(n.name, ("catalog", "servers", m, "nics", i, "name")) for i, n in enumerate(model.nics)])


@rule("NAME006", "error", "storage cluster names are unique")
def _storage_names(c: RuleCtx) -> Out:
    st = c.spec.storage
    yield from dups(
        [(x.name, ("storage", "ceph", i, "name")) for i, x in enumerate(st.ceph)]
        + [(x.name, ("storage", "minio", i, "name")) for i, x in enumerate(st.minio)]
    )
