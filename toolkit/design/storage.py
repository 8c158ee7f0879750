"""Step 6: storage clusters (Ceph, MinIO) placed on the designed hosts and addresses.

Daemons bind to the host's first storage-plane address (dedicated or converged). The Ceph fsid
is a UUIDv5 of the cluster and Ceph names, so it is stable across runs.
"""

from __future__ import annotations

import uuid

from toolkit.design.addressing import ip
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import CephCluster, CephPool, MinioCluster, MinioPool


def storage_address(ctx: Ctx, host: str, where: tuple[str | int, ...]) -> str:
    dev = ctx.devices.get(host)
    if dev is None:
        raise DesignError(f"no server named {host}", where)
    for p in dev.ports:
        if p.plane == "storage" and p.address:
            return ip(p.address)
    raise DesignError(f"{host} has no addressed storage port", where)


def storage_prefix(ctx: Ctx) -> str:
    st = ctx.spec.networks.storage
    if st is None:
        return ""
    if st.mode == "dedicated" and st.fabric:
        return st.fabric.addressing.hosts
    return st.hosts or ""


def build_ceph(ctx: Ctx) -> list[CephCluster]:
    out = []
    for i, c in enumerate(ctx.spec.storage.ceph):
        base = ("storage", "ceph", i)
        mons = {h: storage_address(ctx, h, (*base, "mons", j)) for j, h in enumerate(c.mons)}
        rgws = {h: f"{storage_address(ctx, h, (*base, 'rgws', j))}:{c.rgw_port}" for j, h in enumerate(c.rgws)}
        osds: dict[str, list[str]] = {}
        for j, h in enumerate(c.osd_hosts):
            storage_address(ctx, h, (*base, "osd_hosts", j))
            model = ctx.spec.catalog.servers[ctx.devices[h].model]
            osds[h] = list(c.drives) or [f"/dev/nvme{k}n1" for k in range(model.drives)]
        pools = [
            CephPool(
                name=p.name,
                type=p.type,
                size=p.size if p.type == "replicated" else None,
                k=p.k,
                m=p.m,
                pg_num=p.pg_num,
                application=p.application,
            )
            for p in c.pools
        ]
        hosts = sorted(set(c.mons) | set(c.mgrs) | set(c.osd_hosts) | set(c.rgws))
        out.append(
            CephCluster(
                name=c.name,
                fsid=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{c.name}.{ctx.spec.cluster.name}.aidc")),
                public_network=storage_prefix(ctx),
                mons=mons,
                mgrs=list(c.mgrs),
                osds=osds,
                rgws=rgws,
                failure_domain=c.failure_domain,
                pools=pools,
                host_racks={h: ctx.devices[h].rack for h in hosts if h in ctx.devices},
            )
        )
    return out


def build_minio(ctx: Ctx) -> list[MinioCluster]:
    out = []
    for i, m in enumerate(ctx.spec.storage.minio):
        addresses: dict[str, str] = {}
        pools = []
        for j, p in enumerate(m.pools):
            eps = []
            for k, h in enumerate(p.servers):
                addr = storage_address(ctx, h, ("storage", "minio", i, "pools", j, "servers", k))
                addresses[h] = addr
                eps.append(f"http://{addr}:{m.port}/data/disk{{1...{p.drives_per_server}}}")
            pools.append(MinioPool(servers=list(p.servers), drives_per_server=p.drives_per_server, endpoints=eps))
        out.append(
            MinioCluster(
                name=m.name,
                erasure_set_size=m.erasure_set_size,
                parity=m.parity,
                port=m.port,
                pools=pools,
                addresses=addresses,
            )
        )
    return out
