"""STO rules: storage network, Ceph and MinIO."""

from __future__ import annotations

from toolkit.findings import YamlPath
from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, gpu_server_models, server_models, servers


@rule("STO001", "error", "a dedicated storage network needs a storage NIC on every GPU and storage server")
def _sto_nic(c: RuleCtx) -> Out:
    st = c.spec.networks.storage
    if st is None:
        return
    if st.mode == "dedicated":
        for model, _ in gpu_server_models(c.spec).items():
            m = c.spec.catalog.servers.get(model)
            if m and not any(n.role == "storage" for n in m.nics):
                yield (
                    ("catalog", "servers", model, "nics"),
                    f"{model} has no storage NIC",
                    ("add one or use mode: converged"),
                )


@rule("STO002", "error", "a storage network is fully specified for its mode")
def _sto_mode(c: RuleCtx) -> Out:
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


@rule("STO003", "error", "Ceph pools fit in the failure domains (size or k+m)")
def _ceph_fd(c: RuleCtx) -> Out:
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


@rule("STO004", "warning", "Ceph runs an odd number of monitors")
def _ceph_mons(c: RuleCtx) -> Out:
    for i, ceph in enumerate(c.spec.storage.ceph):
        if len(ceph.mons) % 2 == 0:
            yield (
                ("storage", "ceph", i, "mons"),
                f"{len(ceph.mons)} monitors: an even count adds no tolerance",
                ("use 3 or 5"),
            )


@rule("STO005", "error", "Ceph pools are complete: replicated ones have size, erasure ones k and m")
def _ceph_pool(c: RuleCtx) -> Out:
    for i, ceph in enumerate(c.spec.storage.ceph):
        for j, p in enumerate(ceph.pools):
            if p.type == "replicated" and p.size is None:
                yield ("storage", "ceph", i, "pools", j), f"pool {p.name} has no size", "size: 3"
            if p.type == "erasure" and (p.k is None or p.m is None):
                yield ("storage", "ceph", i, "pools", j), f"pool {p.name} needs k and m", "k: 4, m: 2"
            if p.pg_num & (p.pg_num - 1):
                yield ("storage", "ceph", i, "pools", j, "pg_num"), f"pg_num {p.pg_num} is not a power of two", ""


@rule("STO006", "error", "Ceph and MinIO hosts have a storage NIC and OSD/MinIO hosts have drives")
def _sto_hosts(c: RuleCtx) -> Out:
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
                yield from check(h, ("storage", "ceph", i, key, j), key == "osd_hosts" and not ceph.drives)
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for k, h in enumerate(p.servers):
                yield from check(h, ("storage", "minio", i, "pools", j, "servers", k), False)


@rule("STO007", "error", "MinIO erasure sets hold 2 to 16 drives")
def _minio_set(c: RuleCtx) -> Out:
    for i, mn in enumerate(c.spec.storage.minio):
        if not 2 <= mn.erasure_set_size <= 16:
            yield ("storage", "minio", i, "erasure_set_size"), f"{mn.erasure_set_size} is outside 2-16", ""


@rule("STO008", "error", "MinIO parity is at most half the erasure set")
def _minio_parity(c: RuleCtx) -> Out:
    for i, mn in enumerate(c.spec.storage.minio):
        if mn.parity > mn.erasure_set_size // 2:
            yield (
                ("storage", "minio", i, "parity"),
                (f"parity {mn.parity} exceeds half of the {mn.erasure_set_size}-drive set"),
                "",
            )


@rule("STO009", "error", "every MinIO server pool's drives divide into whole erasure sets")
def _minio_div(c: RuleCtx) -> Out:
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            total = len(p.servers) * p.drives_per_server
            if mn.erasure_set_size and total % mn.erasure_set_size:
                yield (
                    ("storage", "minio", i, "pools", j),
                    (f"{total} drives do not divide into sets of {mn.erasure_set_size}"),
                    (f"use a set size dividing {total}"),
                )


@rule("STO010", "warning", "MinIO drives per server do not exceed the server model's drives")
def _minio_drives(c: RuleCtx) -> Out:
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
