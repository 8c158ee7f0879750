"""STO rules: storage network, Ceph and MinIO.

MinIO's arithmetic (set size, default parity, ellipsis ranges) is the design's
(``toolkit.design.storage``), so validation and design agree. ``fabric_findings`` runs on the
trial design: the failures a cluster must survive (``survives``) against the designed network.
"""

from __future__ import annotations

import re

from toolkit.design.model import CephCluster, Fabric, MinioCluster
from toolkit.design.storage import ellipsis_of, minio_set_size, storage_name, unmet
from toolkit.findings import YamlPath
from toolkit.rules.fabric import Out as FabricOut
from toolkit.rules.fabric import fabric_rule
from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, gpu_server_models, server_models, servers
from toolkit.spec.models import ClusterSpec


@rule("STO001", "error")
def _sto_nic(c: RuleCtx) -> Out:
    """a dedicated storage network needs a storage NIC on every GPU and storage server"""
    st = c.spec.networks.storage
    if st is None or st.mode != "dedicated":
        return
    for model in gpu_server_models(c.spec):
        m = c.spec.catalog.servers.get(model)
        if m and not any(n.role == "storage" for n in m.nics):
            yield ("catalog", "servers", model, "nics"), f"{model} has no storage NIC", "add one or use mode: converged"


@rule("STO002", "error")
def _sto_mode(c: RuleCtx) -> Out:
    """a storage network is fully specified for its mode"""
    st = c.spec.networks.storage
    if st is None:
        return
    if st.mode == "dedicated" and st.fabric is None:
        yield ("networks", "storage"), "mode dedicated needs fabric", "describe the storage leaf-spine"
    if st.mode == "converged":
        if c.spec.networks.business is None:
            yield ("networks", "storage", "mode"), "converged storage needs networks.business", ""
        if st.hosts is None:
            yield ("networks", "storage"), "converged storage needs hosts (a /31 pool)", ""


@rule("STO003", "error", needs=SERVER_LIST)
def _ceph_fd(c: RuleCtx) -> Out:
    """Ceph pools fit in the failure domains (size or k+m)"""
    place = {n: r for n, _, r, _ in servers(c.spec)}
    for i, ceph in enumerate(c.spec.storage.ceph):
        hosts = set(ceph.osd_hosts)
        domains = len({place.get(h, h) for h in hosts}) if ceph.failure_domain == "rack" else len(hosts)
        for j, p in enumerate(ceph.pools):
            need = (p.size or 0) if p.type == "replicated" else (p.k or 0) + (p.m or 0)
            if need > domains:
                yield (
                    ("storage", "ceph", i, "pools", j),
                    (f"pool {p.name} needs {need} {ceph.failure_domain}s, the OSDs span {domains}"),
                    ("add OSD hosts in more failure domains or lower the size"),
                )


@rule("STO004", "error")
def _ceph_mons(c: RuleCtx) -> Out:
    """Ceph runs an odd number of monitors"""
    for i, ceph in enumerate(c.spec.storage.ceph):
        if ceph.mons and len(ceph.mons) % 2 == 0:
            yield (
                ("storage", "ceph", i, "mons"),
                f"{len(ceph.mons)} monitors: an even count adds no tolerance",
                ("use 3 or 5"),
            )


@rule("STO005", "error")
def _ceph_pool(c: RuleCtx) -> Out:
    """Ceph pools are complete: replicated ones have size, erasure ones k and m"""
    for i, ceph in enumerate(c.spec.storage.ceph):
        for j, p in enumerate(ceph.pools):
            if p.type == "replicated" and p.size is None:
                yield ("storage", "ceph", i, "pools", j), f"pool {p.name} has no size", "size: 3"
            if p.type == "erasure" and (p.k is None or p.m is None):
                yield ("storage", "ceph", i, "pools", j), f"pool {p.name} needs k and m", "k: 4, m: 2"
            if p.pg_num & (p.pg_num - 1):
                yield ("storage", "ceph", i, "pools", j, "pg_num"), f"pg_num {p.pg_num} is not a power of two", ""


@rule("STO006", "error", needs=SERVER_LIST)
def _sto_hosts(c: RuleCtx) -> Out:
    """Ceph and MinIO hosts have a storage NIC and OSD/MinIO hosts have drives"""
    models = server_models(c.spec)
    st = c.spec.networks.storage

    def check(host: str, path: YamlPath, drives: bool) -> Out:
        m = c.spec.catalog.servers.get(models.get(host, ""))
        if m is None:
            return
        if st is None or not any(n.role == "storage" for n in m.nics):
            yield path, f"{host} has no storage NIC (or no storage network)", ""
        if drives and m.drives == 0:
            yield path, f"{host} ({models[host]}) has no drives", "set drives in its server model"

    for i, ceph in enumerate(c.spec.storage.ceph):
        for key in ("mons", "mgrs", "osd_hosts", "rgws"):
            for j, h in enumerate(getattr(ceph, key)):
                yield from check(h, ("storage", "ceph", i, key, j), key == "osd_hosts")
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for k, h in enumerate(p.servers):
                yield from check(h, ("storage", "minio", i, "pools", j, "servers", k), False)


@rule("STO007", "error")
def _minio_set(c: RuleCtx) -> Out:
    """MinIO erasure sets hold 2 to 16 drives"""
    for i, mn in enumerate(c.spec.storage.minio):
        if mn.erasure_set_size is not None and not 2 <= mn.erasure_set_size <= 16:
            yield ("storage", "minio", i, "erasure_set_size"), f"{mn.erasure_set_size} is outside 2-16", ""


@rule("STO008", "error")
def _minio_parity(c: RuleCtx) -> Out:
    """MinIO parity is at most half the erasure set"""
    for i, mn in enumerate(c.spec.storage.minio):
        if mn.parity is None:
            continue
        for size in sorted({sz for sz in _set_sizes(c, i) if sz}):
            if mn.parity > size // 2:
                yield (
                    ("storage", "minio", i, "parity"),
                    (f"parity {mn.parity} exceeds half of the {size}-drive erasure set"),
                    f"use at most EC:{size // 2}",
                )
                break


@rule("STO009", "error")
def _minio_div(c: RuleCtx) -> Out:
    """every MinIO server pool's drives divide into whole erasure sets"""
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            total = len(p.servers) * p.drives_per_server
            if mn.erasure_set_size and total % mn.erasure_set_size:
                yield (
                    ("storage", "minio", i, "pools", j),
                    (f"{total} drives do not divide into sets of {mn.erasure_set_size}"),
                    (f"use a set size dividing {total}"),
                )


@rule("STO010", "warning", needs=SERVER_LIST)
def _minio_drives(c: RuleCtx) -> Out:
    """MinIO drives per server do not exceed the server model's drives"""
    models = server_models(c.spec)
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for h in p.servers:
                m = c.spec.catalog.servers.get(models.get(h, ""))
                if m and m.drives < p.drives_per_server:
                    yield (
                        ("storage", "minio", i, "pools", j, "drives_per_server"),
                        (f"{h} has {m.drives} drives, the pool uses {p.drives_per_server}"),
                        "",
                    )
                    break


def _set_sizes(c: RuleCtx, i: int) -> list[int | None]:
    """Erasure set size of every pool of MinIO deployment ``i``: the spec's or MinIO's choice."""
    mn = c.spec.storage.minio[i]
    out: list[int | None] = []
    for p in mn.pools:
        if mn.erasure_set_size is not None:
            out.append(mn.erasure_set_size)
            continue
        expr = ellipsis_of([storage_name(h, c.spec.site.domain) for h in p.servers])
        lengths = [int(b) - int(a) + 1 for a, b in re.findall(r"\{(\d+)\.\.\.(\d+)\}", expr or "")]
        out.append(minio_set_size(len(p.servers) * p.drives_per_server, lengths[0] if lengths else 1))
    return out


@rule("STO012", "error")
def _minio_sequential(c: RuleCtx) -> Out:
    """each MinIO server pool's servers form one ellipsis range (sequential names)"""
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            if ellipsis_of([storage_name(h, c.spec.site.domain) for h in p.servers]) is None:
                yield (
                    ("storage", "minio", i, "pools", j, "servers"),
                    (
                        f"servers {', '.join(p.servers)} are not one sequential range: MINIO_VOLUMES writes each "
                        "pool as one {x...y} expression"
                    ),
                    "list sequentially numbered servers in order, without gaps",
                )


@rule("STO013", "error")
def _minio_symmetric(c: RuleCtx) -> Out:
    """MinIO can split every server pool into symmetric erasure sets of 2-16 drives"""
    for i, mn in enumerate(c.spec.storage.minio):
        if mn.erasure_set_size is not None:
            continue
        for j, (p, size) in enumerate(zip(mn.pools, _set_sizes(c, i), strict=True)):
            if size is None and ellipsis_of([storage_name(h, c.spec.site.domain) for h in p.servers]):
                total = len(p.servers) * p.drives_per_server
                yield (
                    ("storage", "minio", i, "pools", j),
                    (
                        f"{total} drives on {len(p.servers)} servers cannot be spread symmetrically over erasure "
                        "sets of 2-16 drives (MinIO refuses to start)"
                    ),
                    "change the drives per server or the server count",
                )


@rule("STO014", "warning")
def _drive_budget(c: RuleCtx) -> Out:
    """Ceph OSDs and MinIO drives on one server fit in the server model's drives"""
    models = server_models(c.spec)
    used: dict[str, int] = {}
    first: dict[str, YamlPath] = {}
    for i, ceph in enumerate(c.spec.storage.ceph):
        for j, h in enumerate(ceph.osd_hosts):
            m = c.spec.catalog.servers.get(models.get(h, ""))
            used[h] = used.get(h, 0) + (len(ceph.drives) if ceph.drives else (m.drives if m else 0))
            first.setdefault(h, ("storage", "ceph", i, "osd_hosts", j))
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for k, h in enumerate(p.servers):
                used[h] = used.get(h, 0) + p.drives_per_server
                first.setdefault(h, ("storage", "minio", i, "pools", j, "servers", k))
    for h, n in used.items():
        m = c.spec.catalog.servers.get(models.get(h, ""))
        if m is not None and n > m.drives:
            yield first[h], f"{h} gives {n} drives to Ceph and MinIO, its model has {m.drives}", "split the drives"


@rule("STO015", "error")
def _ceph_pool_details(c: RuleCtx) -> Out:
    """Ceph pools' min_size fits the size; CephFS names existing pools and has an MDS"""
    for i, ceph in enumerate(c.spec.storage.ceph):
        names = {p.name: p for p in ceph.pools}
        for j, p in enumerate(ceph.pools):
            size = (p.size or 0) if p.type == "replicated" else (p.k or 0) + (p.m or 0)
            if p.min_size is not None and size and p.min_size > size:
                yield ("storage", "ceph", i, "pools", j, "min_size"), f"min_size {p.min_size} > size {size}", ""
            if p.min_size is not None and p.type == "erasure" and p.k and p.min_size < p.k:
                yield (
                    ("storage", "ceph", i, "pools", j, "min_size"),
                    f"min_size {p.min_size} is below k={p.k}: Ceph cannot serve I/O from fewer than k chunks",
                    "",
                )
        for j, fs in enumerate(ceph.filesystems):
            for key in ("metadata_pool", "data_pool"):
                if getattr(fs, key) not in names:
                    yield ("storage", "ceph", i, "filesystems", j, key), f"no pool {getattr(fs, key)!r}", ""
            meta = names.get(fs.metadata_pool)
            if meta is not None and meta.type != "replicated":
                yield (
                    ("storage", "ceph", i, "filesystems", j, "metadata_pool"),
                    f"CephFS metadata pool {meta.name} is erasure-coded",
                    "use a replicated pool",
                )
        if ceph.filesystems and not ceph.mdss:
            yield ("storage", "ceph", i, "filesystems"), "CephFS needs metadata servers", "list hosts in mdss"


@fabric_rule("STO011", "error")
def _survives(spec: ClusterSpec, fabric: Fabric) -> FabricOut:
    """storage keeps quorum through each failure in survives (server/leaf/leaf pair/rack)

    Yields every required failure (``survives``) a cluster does not survive on the designed network."""
    clusters: list[tuple[str, int, CephCluster | MinioCluster]] = [
        *(("ceph", i, c) for i, c in enumerate(fabric.ceph)),
        *(("minio", i, m) for i, m in enumerate(fabric.minio)),
    ]
    for kind, i, cl in clusters:
        for f in unmet(cl):
            lost = ", ".join(f.lost_hosts[:4]) or "no host"
            if len(f.lost_hosts) > 4:
                lost += f" and {len(f.lost_hosts) - 4} more"
            bad = [d for d in f.detail if "no quorum" in d or "inactive" in d or "read-only" in d or "offline" in d]
            what = "loses quorum" if not f.quorum else "loses availability"
            yield (
                ("storage", kind, i, "survives"),
                f"{kind} {cl.name} {what} when {f.scenario} {f.what} fails (cuts off {lost}): "
                + "; ".join(bad or f.detail),
                "spread monitors/servers over more leaves or racks, or drop the scenario from survives",
            )
