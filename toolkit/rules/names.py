"""NAME rules: names that must be unique."""

from __future__ import annotations

from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, dups, racks, servers


@rule("NAME001", "error")
def _rack_names(c: RuleCtx) -> Out:
    """rack names are unique across the whole layout"""
    yield from dups([(r.name, (*p, "name")) for r, p, _ in racks(c.spec)])


@rule("NAME002", "error")
def _su_names(c: RuleCtx) -> Out:
    """scalable unit names are unique"""
    yield from dups(
        [(su.name, ("layout", "scalable_units", i, "name")) for i, su in enumerate(c.spec.layout.scalable_units)]
    )


@rule("NAME003", "error", needs=SERVER_LIST)
def _server_names(c: RuleCtx) -> Out:
    """server names (explicit or generated) are unique"""
    yield from dups([(n, p) for n, _, _, p in servers(c.spec)])


@rule("NAME004", "error")
def _tenant_names(c: RuleCtx) -> Out:
    """tenant names are unique"""
    yield from dups([(t.name, ("tenants", i, "name")) for i, t in enumerate(c.spec.tenants)])


@rule("NAME005", "error")
def _nic_names(c: RuleCtx) -> Out:
    """NIC names are unique within a server model"""
    for m, model in c.spec.catalog.servers.items():
        yield from dups([(n.name, ("catalog", "servers", m, "nics", i, "name")) for i, n in enumerate(model.nics)])


@rule("NAME006", "error")
def _storage_names(c: RuleCtx) -> Out:
    """storage cluster names are unique"""
    st = c.spec.storage
    yield from dups(
        [(x.name, ("storage", "ceph", i, "name")) for i, x in enumerate(st.ceph)]
        + [(x.name, ("storage", "minio", i, "name")) for i, x in enumerate(st.minio)]
    )


@rule("NAME007", "error")
def _storage_repeats(c: RuleCtx) -> Out:
    """Ceph host lists and pool names, and the servers of a MinIO deployment, hold no repeats"""
    for i, ceph in enumerate(c.spec.storage.ceph):
        for key in ("mons", "mgrs", "osd_hosts", "rgws"):
            yield from dups(
                [(h, ("storage", "ceph", i, key, j)) for j, h in enumerate(getattr(ceph, key))],
                f"list each host once in {key}: a repeat adds no daemon",
            )
        yield from dups(
            [(p.name, ("storage", "ceph", i, "pools", j, "name")) for j, p in enumerate(ceph.pools)],
            "pool names are unique within a Ceph cluster",
        )
    for i, mn in enumerate(c.spec.storage.minio):
        yield from dups(
            [
                (h, ("storage", "minio", i, "pools", j, "servers", k))
                for j, p in enumerate(mn.pools)
                for k, h in enumerate(p.servers)
            ],
            "a server serves one pool of a MinIO deployment, once",
        )


@rule("NAME008", "error")
def _site_repeats(c: RuleCtx) -> Out:
    """each NTP, DNS and syslog server is listed once"""
    for key in ("ntp", "dns", "syslog"):
        yield from dups(
            [(a, ("site", key, j)) for j, a in enumerate(getattr(c.spec.site, key))],
            f"list each {key} server once",
        )
