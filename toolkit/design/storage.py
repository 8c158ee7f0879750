"""Step 6: storage clusters (Ceph, MinIO) placed on the designed hosts, addresses and leaves.

Ceph
- Daemons bind to the host's first storage-plane address (dedicated or converged). The fsid is a
  UUIDv5 of the cluster and Ceph names, so it is stable across runs.
- Monitors: the spec's list, or one per rack of the OSD hosts (then filled from the OSD hosts in
  order) up to 3, or 5 when there are 5 racks. Managers: the spec's, or the first two monitors.
- OSD ids: host order of ``osd_hosts``, then drive order, ``osds_per_device`` per drive; a host
  added at the end keeps every existing id.
- Pools: ``min_size`` defaults as Ceph does (replicated ``size - size // 2``, erasure
  ``k + min(1, m - 1)``); CRUSH rule ``<type>-<failure domain>[-<class>]``; erasure pools use the
  profile ``ec-<k>-<m>-<failure domain>[-<class>]``.
- Pools Ceph would make itself get the cluster's default size/min_size: the first replicated
  pool's, else 3 (capped at the failure domains) and Ceph's min_size for it.
- RGW pools: a cluster with gateways declares the pools of its zone (``default``) explicitly,
  ``.rgw.root`` and ``<zone>.rgw.{control,meta,log,buckets.index,buckets.data,buckets.non-ec}``
  (the names Ceph 16+ uses; the lazily created rest live as namespaces of these), replicated with
  the default size on the cluster's failure domain and a small ``pg_num``. The playbooks create
  them before any gateway starts (radosgw would otherwise create each on first use, with
  placement groups still peering while the cluster is checked). A spec pool of the same name
  (e.g. an erasure-coded ``default.rgw.buckets.data``) replaces the design's.

MinIO (the rules of MinIO's own ``cmd/endpoint-ellipses.go`` and storage-class defaults)
- Each pool is one ``MINIO_VOLUMES`` expression ``http://<host ellipsis>:<port><drive_path>{1...n}``
  over the servers' storage-plane names; the names must form ellipsis ranges (sequential).
- Endpoints expand with the drive range outermost and the leftmost host range fastest, so every
  erasure set spreads over the servers. The set size is the spec's, or the greatest divisor of the
  pool's drives in 2..16 that is symmetric with the leftmost host range (one divides the other).
- Parity: the spec's, or by the first pool's set size: 0 for 1, 1 for 2-3, 2 for 4-5, 3 for 6-7,
  4 for 8-16. Read quorum = data drives; write quorum = data drives, plus one when parity is exactly
  half the set.

Failure domains against the network: for each storage server, each leaf its storage ports hang
from, each leaf pair (leaves of one rack group) and each rack (its servers and the leaves placed
in it), which storage hosts are cut off, whether Ceph keeps mon quorum and every pool active (worst
case: a PG with a copy in every failed domain) and whether every MinIO set keeps write quorum.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from toolkit.design.addressing import ip
from toolkit.design.context import Ctx, DesignError
from toolkit.design.model import (
    CephCluster,
    CephDaemon,
    CephFs,
    CephOsd,
    CephPool,
    Fabric,
    FailureCase,
    MinioCluster,
    MinioPool,
    MinioSet,
    fast_new,
    put,
)
from toolkit.spec.models import CephPoolSpec, CephSpec

TB = 10**12
MINIO_SET_SIZES = range(2, 17)
"""Erasure set sizes MinIO supports (``setSizes`` in cmd/endpoint-ellipses.go)."""
STORAGE_SUBDOMAIN = "storage"
"""MinIO servers reach each other by ``<host>.storage.<site domain>`` (storage-plane address)."""


# --------------------------------------------------------------------------------- addresses


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


def storage_name(host: str, domain: str) -> str:
    """The storage-plane DNS name of ``host`` (what MINIO_VOLUMES names)."""
    return f"{host}.{STORAGE_SUBDOMAIN}.{domain}"


def storage_clients(ctx: Ctx) -> list[str]:
    """GPU (and other non-storage) servers with an addressed storage port, design order."""
    return [
        d.name
        for d in ctx.devices.values()
        if d.role in ("gpu-server", "server") and any(p.plane == "storage" and p.address for p in d.ports)
    ]


# ------------------------------------------------------------------------- failure scenarios


@dataclass(frozen=True)
class Scenario:
    kind: str
    what: str
    lost: frozenset[str]


def host_leaves(ctx: Ctx, hosts: Iterable[str]) -> dict[str, list[str]]:
    """host -> the leaves behind the port carrying its storage address (the daemons bind that one
    address: a routed /31 hangs from one leaf, so a second port to another leaf does not keep it
    reachable; a bond in a storage segment hangs from every leaf of its Ethernet segment)."""
    out: dict[str, list[str]] = {}
    for h in hosts:
        dev = ctx.devices[h]
        port = next((p for p in dev.ports if p.plane == "storage" and p.address), None)
        if port is not None and port.role == "bond":
            out[h] = list(port.peers)
        else:
            out[h] = [port.peer_device] if port is not None and port.peer_device else []
    return out


def _leaves_per_group(ctx: Ctx) -> int:
    st = ctx.spec.networks.storage
    if st is not None and st.mode == "dedicated" and st.fabric is not None:
        return st.fabric.leaves_per_group
    return ctx.spec.networks.business.leaves_per_group if ctx.spec.networks.business else 1


def scenarios(ctx: Ctx, hosts: Sequence[str], leaves: dict[str, list[str]]) -> list[Scenario]:
    """Every single failure that matters to ``hosts``: each host, leaf, leaf pair and rack."""

    def cut(failed_hosts: set[str], failed_leaves: set[str]) -> frozenset[str]:
        return frozenset(h for h in hosts if h in failed_hosts or (leaves[h] and set(leaves[h]) <= failed_leaves))

    out = [Scenario("server", h, cut({h}, set())) for h in hosts]
    all_leaves = sorted({x for h in hosts for x in leaves[h]}, key=lambda n: (ctx.devices[n].index, n))
    out += [Scenario("leaf", x, cut(set(), {x})) for x in all_leaves]
    lpg = _leaves_per_group(ctx)
    if lpg > 1:
        groups: dict[tuple[str, int], list[str]] = {}
        for x in all_leaves:
            d = ctx.devices[x]
            groups.setdefault((d.role, d.index // lpg), []).append(x)
        for (role, g), _members in sorted(groups.items()):
            full = [n for n in ctx.devices.values() if n.role == role and n.index // lpg == g]
            names = {n.name for n in full}
            out.append(Scenario("leaf-pair", "+".join(n.name for n in full), cut(set(), names)))
    racks = list(dict.fromkeys(ctx.devices[h].rack for h in hosts))
    for r in racks:
        in_rack = {h for h in hosts if ctx.devices[h].rack == r}
        rack_leaves = {x for x in all_leaves if ctx.devices[x].rack == r}
        out.append(Scenario("rack", r, cut(in_rack, rack_leaves)))
    return out


# ------------------------------------------------------------------------------------- Ceph


def default_min_size(p: CephPoolSpec) -> int:
    if p.type == "replicated":
        size = p.size or 0
        return size - size // 2
    k, m = p.k or 0, p.m or 0
    return k + min(1, m - 1)


def place_mons(c: CephSpec, racks: dict[str, str]) -> list[str]:
    if c.mons:
        return list(c.mons)
    hosts = list(dict.fromkeys(c.osd_hosts))
    per_rack = list(dict.fromkeys(racks.get(h, h) for h in hosts))
    want = 5 if len(per_rack) >= 5 else (3 if len(hosts) >= 3 else 1)
    chosen = [next(h for h in hosts if racks.get(h, h) == r) for r in per_rack][:want]
    for h in hosts:
        if len(chosen) >= want:
            break
        if h not in chosen:
            chosen.append(h)
    return chosen


RGW_ZONE = "default"
RGW_POOL_SUFFIXES = ("control", "meta", "log", "buckets.index", "buckets.data", "buckets.non-ec")
RGW_POOL_PG = 8
"""pg_num of every RGW pool (small: these hold metadata, or little data in small clusters)."""


def rgw_pool_names(zone: str) -> list[str]:
    return [".rgw.root", *(f"{zone}.rgw.{x}" for x in RGW_POOL_SUFFIXES)]


def default_size(c: CephSpec, domains: int) -> tuple[int, int]:
    """(size, min_size) of pools Ceph makes itself: the first replicated spec pool's, else 3
    capped at the number of failure domains."""
    for p in c.pools:
        if p.type == "replicated" and p.size:
            return p.size, p.min_size or default_min_size(p)
    size = max(1, min(3, domains))
    return size, size - size // 2


def rgw_pools(c: CephSpec, size_min: tuple[int, int], raw: int) -> list[CephPool]:
    """The designed pools of the gateways' zone (none without gateways; spec pools win)."""
    if not c.rgws:
        return []
    declared = {p.name for p in c.pools}
    size, min_size = size_min
    return [
        CephPool(
            name=name,
            type="replicated",
            size=size,
            min_size=min_size,
            pg_num=RGW_POOL_PG,
            application="rgw",
            failure_domain=c.failure_domain,
            crush_rule=f"replicated-{c.failure_domain}",
            usable_bytes=raw // size,
            origin="rgw",
        )
        for name in rgw_pool_names(RGW_ZONE)
        if name not in declared
    ]


def _pool(p: CephPoolSpec, c: CephSpec, raw: int) -> CephPool:
    fd = p.failure_domain or c.failure_domain
    cls = f"-{p.device_class}" if p.device_class else ""
    size = (p.size or 0) if p.type == "replicated" else (p.k or 0) + (p.m or 0)
    eff = (1 / size if size else 0) if p.type == "replicated" else ((p.k or 0) / size if size else 0)
    # the spec's pool as it is, with its size, min_size and failure domain resolved
    return CephPool(
        **p.model_dump(exclude={"size", "min_size", "failure_domain"}),
        size=size,
        min_size=p.min_size or default_min_size(p),
        failure_domain=fd,
        crush_rule=(f"replicated-{fd}{cls}" if p.type == "replicated" else f"ec-{p.k}-{p.m}-{fd}{cls}"),
        ec_profile=f"ec-{p.k}-{p.m}-{fd}{cls}" if p.type == "erasure" else None,
        usable_bytes=int(raw * eff),
    )


def ceph_failures(cl: CephCluster, cases: list[Scenario]) -> list[FailureCase]:
    out = []
    n_mons = len(cl.mons)
    for sc in cases:
        up_mons = [m for m in cl.mons if m not in sc.lost]
        quorum = len(up_mons) > n_mons // 2
        detail = [f"{len(up_mons)} of {n_mons} monitors up ({'quorum' if quorum else 'no quorum'})"]
        active = True
        for p in cl.pools:
            hosts = {o.host for o in cl.osd_list if p.device_class in (None, o.device_class)}
            domain = (lambda h: cl.host_racks.get(h, h)) if p.failure_domain == "rack" else (lambda h: h)
            all_domains = {domain(h) for h in hosts}
            hit = {domain(h) for h in hosts if h in sc.lost}
            left = p.size - min(p.size, len(hit))
            ok = left >= p.min_size
            active = active and ok
            state = "active" if ok else "inactive"
            detail.append(
                f"pool {p.name}: {len(hit)} of {len(all_domains)} {p.failure_domain}s lost, worst PG keeps "
                f"{left} of {p.size} (min_size {p.min_size}): {state}"
            )
        out.append(_case(sc, quorum, active and quorum, detail))
    return out


def _case(sc: Scenario, quorum: bool, available: bool, detail: list[str]) -> FailureCase:
    return FailureCase(
        scenario=sc.kind, what=sc.what, lost_hosts=sorted(sc.lost), quorum=quorum, available=available, detail=detail
    )


# CephSpec fields a CephCluster holds as the spec gives them; the others (hosts, pools, file
# systems, survives) the design turns into addresses, daemons, OSDs and pools of its own
_CEPH_CARRIED = {"name", "cluster_network", "osds_per_device", "device_class", "failure_domain"}


def build_ceph(ctx: Ctx) -> list[CephCluster]:
    out = []
    for i, c in enumerate(ctx.spec.storage.ceph):
        base = ("storage", "ceph", i)
        racks = {h: ctx.devices[h].rack for h in dict.fromkeys([*c.osd_hosts, *c.mons, *c.rgws]) if h in ctx.devices}
        mon_hosts = place_mons(c, racks)
        mons = {h: storage_address(ctx, h, (*base, "mons", j)) for j, h in enumerate(mon_hosts)}
        mgrs = list(c.mgrs) or mon_hosts[:2]
        for j, h in enumerate(mgrs):
            storage_address(ctx, h, (*base, "mgrs", j))
        rgw_daemons = []
        for j, h in enumerate(c.rgws):
            addr = storage_address(ctx, h, (*base, "rgws", j))
            for k in range(c.rgws_per_host):
                name = h if c.rgws_per_host == 1 else f"{h}.{k}"
                rgw_daemons.append(CephDaemon(name=name, host=h, address=addr, port=c.rgw_port + k))
        mdss = [
            CephDaemon(name=h, host=h, address=storage_address(ctx, h, (*base, "mdss", j)))
            for j, h in enumerate(c.mdss)
        ]
        osds: dict[str, list[str]] = {}
        osd_list: list[CephOsd] = []
        raw = 0
        for j, h in enumerate(c.osd_hosts):
            storage_address(ctx, h, (*base, "osd_hosts", j))
            model = ctx.spec.catalog.servers[ctx.devices[h].model]
            osds[h] = list(c.drives) or [f"/dev/nvme{k}n1" for k in range(model.drives)]
            raw += int(len(osds[h]) * model.drive_tb * TB)
            for dev in osds[h]:
                for _ in range(c.osds_per_device):
                    osd_list.append(
                        fast_new(
                            CephOsd, id=len(osd_list), host=h, device=dev, device_class=c.device_class, rack=racks[h]
                        )
                    )
        hosts = list(dict.fromkeys([*mon_hosts, *mgrs, *c.osd_hosts, *c.rgws, *c.mdss]))
        leaves = host_leaves(ctx, hosts)
        osd_domains = {racks[h] if c.failure_domain == "rack" else h for h in c.osd_hosts}
        size = default_size(c, len(osd_domains))
        cl = CephCluster(
            **c.model_dump(include=_CEPH_CARRIED),
            fsid=str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{c.name}.{ctx.spec.cluster.name}.aidc")),
            public_network=storage_prefix(ctx),
            mons=mons,
            mgrs=mgrs,
            osds=osds,
            osd_list=osd_list,
            rgws={d.name: d.endpoint for d in rgw_daemons},
            rgw_daemons=rgw_daemons,
            mdss=mdss,
            filesystems=[CephFs(**f.model_dump()) for f in c.filesystems],
            pools=[_pool(p, c, raw) for p in c.pools] + rgw_pools(c, size, raw),
            default_size=size[0],
            default_min_size=size[1],
            rgw_zone=RGW_ZONE,
            host_racks={h: ctx.devices[h].rack for h in hosts if h in ctx.devices},
            host_leaves=leaves,
            survives=list(c.survives),
            clients=storage_clients(ctx),
            raw_bytes=raw,
        )
        put(cl, failures=ceph_failures(cl, scenarios(ctx, hosts, leaves)))
        out.append(cl)
    return out


# ------------------------------------------------------------------------------------ MinIO

_TOKENS = re.compile(r"(\d+)")


def ellipsis_of(names: Sequence[str]) -> str | None:
    """``names`` as one MinIO ellipsis expression (``a{01...03}b``), or None when they do not form
    one: same text around the numbers, each varying number a contiguous range (zero padding kept),
    the list equal to MinIO's expansion order (the leftmost range varies fastest)."""
    if not names:
        return None
    split = [_TOKENS.split(n) for n in names]
    shape = [len(s) for s in split]
    if len(set(shape)) != 1:
        return None
    parts = split[0]
    for s in split[1:]:
        if any(s[k] != parts[k] for k in range(0, len(parts), 2)):
            return None
    ranges: dict[int, list[str]] = {}
    for k in range(1, len(parts), 2):
        values = list(dict.fromkeys(s[k] for s in split))
        if len(values) > 1:
            ranges[k] = sorted(values, key=int)
    if not ranges:
        return names[0] if len(names) == 1 else None
    for values in ranges.values():
        width = {len(v) for v in values}
        lo = int(values[0])
        if [int(v) for v in values] != list(range(lo, lo + len(values))):
            return None
        if len(width) != 1 and any(v.startswith("0") for v in values):
            return None
    expr_parts = list(parts)
    for k, values in ranges.items():
        expr_parts[k] = f"{{{values[0]}...{values[-1]}}}"
    expr = "".join(expr_parts)
    if expand_ellipsis(expr) != list(names):
        return None
    return expr


_ELLIPSIS = re.compile(r"\{(\d+)\.\.\.(\d+)\}")


def _range(a: str, b: str) -> list[str]:
    lo, hi = int(a), int(b)
    width = len(a) if a.startswith("0") and len(a) > 1 else 0
    return [str(v).zfill(width) for v in range(lo, hi + 1)]


def expand_ellipsis(expr: str) -> list[str]:
    """MinIO's expansion of one argument: the rightmost range is outermost, the leftmost fastest."""
    pieces = _ELLIPSIS.split(expr)
    texts = pieces[0::3]
    seqs = [_range(pieces[i], pieces[i + 1]) for i in range(1, len(pieces), 3)]
    out: list[str] = []

    def rec(level: int, chosen: list[str]) -> None:
        if level < 0:
            out.append("".join(t + (chosen[i] if i < len(chosen) else "") for i, t in enumerate(texts)))
            return
        for v in seqs[level]:
            chosen[level] = v
            rec(level - 1, chosen)

    if not seqs:
        return [expr]
    rec(len(seqs) - 1, [""] * len(seqs))
    return out


def minio_set_size(total: int, leftmost_range: int) -> int | None:
    """MinIO's automatic erasure set size for one pool of ``total`` drives (None: no valid size)."""
    counts = [s for s in MINIO_SET_SIZES if total % s == 0]
    symmetric = [s for s in counts if (leftmost_range % s == 0 if leftmost_range > s else s % leftmost_range == 0)]
    return max(symmetric) if symmetric else None


def minio_default_parity(set_size: int) -> int:
    """MinIO's default STANDARD parity (EC:N) for an erasure set of ``set_size`` drives."""
    if set_size <= 1:
        return 0
    if set_size <= 3:
        return 1
    if set_size <= 5:
        return 2
    if set_size <= 7:
        return 3
    return 4


def minio_quorums(set_size: int, parity: int) -> tuple[int, int]:
    """(read quorum, write quorum) of a set: data drives; write needs one more at parity = half."""
    data = set_size - parity
    return data, data + 1 if data == parity else data


def servers_tolerated(sets: list[MinioSet], tolerated: int) -> int:
    """How many servers (any of them) the pool may lose while every set keeps write quorum."""
    best: int | None = None
    for s in sets:
        per: dict[str, int] = {}
        for d in s.drives:
            host = d.split(":", 1)[0]
            per[host] = per.get(host, 0) + 1
        counts = sorted(per.values(), reverse=True)
        n, used = 0, 0
        for c in counts:
            if used + c > tolerated:
                break
            used += c
            n += 1
        best = n if best is None else min(best, n)
    return best or 0


def minio_failures(cl: MinioCluster, cases: list[Scenario]) -> list[FailureCase]:
    out = []
    for sc in cases:
        write_ok = read_ok = True
        detail = []
        for j, p in enumerate(cl.pools):
            worst = 0
            for s in p.erasure_sets:
                lost = sum(1 for d in s.drives if d.split(":", 1)[0] in sc.lost)
                worst = max(worst, lost)
            w = p.set_size - worst >= p.write_quorum
            r = p.set_size - worst >= p.read_quorum
            write_ok, read_ok = write_ok and w, read_ok and r
            state = "writes" if w else ("read-only" if r else "offline")
            detail.append(
                f"pool {j + 1}: worst set loses {worst} of {p.set_size} drives "
                f"(write quorum {p.write_quorum}, read quorum {p.read_quorum}): {state}"
            )
        out.append(_case(sc, write_ok, read_ok, detail))
    return out


def build_minio(ctx: Ctx) -> list[MinioCluster]:
    out = []
    domain = ctx.spec.site.domain
    for i, m in enumerate(ctx.spec.storage.minio):
        base = ("storage", "minio", i)
        addresses: dict[str, str] = {}
        pools = []
        raw_total = usable_total = 0
        parity: int | None = m.parity
        for j, p in enumerate(m.pools):
            eps = []
            for k, h in enumerate(p.servers):
                addr = storage_address(ctx, h, (*base, "pools", j, "servers", k))
                addresses[h] = addr
                eps.append(f"http://{addr}:{m.port}{m.drive_path}{{1...{p.drives_per_server}}}")
            host_expr = ellipsis_of([storage_name(h, domain) for h in p.servers])
            if host_expr is None:
                raise DesignError(
                    f"MinIO pool {j + 1}: the servers {', '.join(p.servers)} do not form one ellipsis range "
                    "(MINIO_VOLUMES needs sequentially named hosts): list them in name order without gaps",
                    (*base, "pools", j, "servers"),
                )
            drive_expr = (
                f"{m.drive_path}{{1...{p.drives_per_server}}}" if p.drives_per_server > 1 else f"{m.drive_path}1"
            )
            volume = f"http://{host_expr}:{m.port}{drive_expr}"
            ranges = _ELLIPSIS.findall(host_expr)
            leftmost = len(_range(*ranges[0])) if ranges else 1
            total = len(p.servers) * p.drives_per_server
            size = m.erasure_set_size or minio_set_size(total, leftmost)
            if size is None or total % size:
                raise DesignError(
                    f"MinIO pool {j + 1}: {total} drives cannot be split into symmetric erasure sets of 2-16",
                    (*base, "pools", j),
                )
            if parity is None:
                parity = minio_default_parity(size)
            read_q, write_q = minio_quorums(size, parity)
            # server:drive in MinIO's expansion order (drives outermost, servers fastest)
            order = [f"{h}:{d}" for d in range(1, p.drives_per_server + 1) for h in p.servers]
            sets = [MinioSet(index=s, drives=order[s * size : (s + 1) * size]) for s in range(total // size)]
            model = ctx.spec.catalog.servers[ctx.devices[p.servers[0]].model]
            raw = int(total * model.drive_tb * TB)
            usable = raw * (size - parity) // size
            raw_total += raw
            usable_total += usable
            pools.append(
                MinioPool(
                    servers=list(p.servers),
                    drives_per_server=p.drives_per_server,
                    endpoints=eps,
                    volume=volume,
                    set_size=size,
                    sets=len(sets),
                    parity=parity,
                    write_quorum=write_q,
                    read_quorum=read_q,
                    drives_tolerated=size - write_q,
                    servers_tolerated=servers_tolerated(sets, size - write_q),
                    raw_bytes=raw,
                    usable_bytes=usable,
                    erasure_sets=sets,
                )
            )
        hosts = list(addresses)
        leaves = host_leaves(ctx, hosts)
        cl = MinioCluster(
            name=m.name,
            erasure_set_size=pools[0].set_size,
            set_size_from_spec=m.erasure_set_size is not None,
            parity=parity or 0,
            port=m.port,
            console_port=m.console_port,
            drive_path=m.drive_path,
            pools=pools,
            addresses=addresses,
            volumes=" ".join(p.volume for p in pools),
            host_leaves=leaves,
            survives=list(m.survives),
            clients=storage_clients(ctx),
            raw_bytes=raw_total,
            usable_bytes=usable_total,
        )
        put(cl, failures=minio_failures(cl, scenarios(ctx, hosts, leaves)))
        out.append(cl)
    return out


def unmet(fabric_cluster: CephCluster | MinioCluster) -> list[FailureCase]:
    """The failures the spec says the cluster must survive but it does not."""
    return [f for f in fabric_cluster.failures if f.scenario in fabric_cluster.survives and not f.survives]


def storage_endpoints(fabric: Fabric) -> dict[str, list[str]]:
    """Every storage endpoint a client uses: Ceph mons and RGWs, MinIO servers (address:port)."""
    out: dict[str, list[str]] = {}
    for c in fabric.ceph:
        out[f"ceph/{c.name}/mon"] = [f"{a}:3300" for a in c.mons.values()]
        out[f"ceph/{c.name}/rgw"] = [d.endpoint for d in c.rgw_daemons]
    for mn in fabric.minio:
        out[f"minio/{mn.name}"] = [f"{a}:{mn.port}" for a in mn.addresses.values()]
    return out


# ------------------------------------------------------------------------- show / bom data


def _tb(n: int) -> float:
    return round(n / TB, 1)


def _tolerance(failures: list[FailureCase]) -> dict[str, str]:
    """scenario -> 'survives' / 'survives 2 of 3' / 'fails' over every case of that scenario."""
    out: dict[str, str] = {}
    for kind in ("server", "leaf", "leaf-pair", "rack"):
        cases = [f for f in failures if f.scenario == kind]
        if not cases:
            continue
        ok = sum(f.survives for f in cases)
        out[kind] = "survives" if ok == len(cases) else ("fails" if ok == 0 else f"survives {ok} of {len(cases)}")
    return out


def storage_summary(fabric: Fabric) -> list[dict[str, object]]:
    """One row per storage cluster: raw and usable TB, what it tolerates, daemons or sets."""
    rows: list[dict[str, object]] = []
    for c in fabric.ceph:
        usable: dict[str, object] = {p.name: _tb(p.usable_bytes) for p in c.pools if p.origin == "spec"}
        rgw = [p for p in c.pools if p.origin == "rgw"]
        if rgw:
            usable[f"{len(rgw)} RGW zone pools"] = f"size {rgw[0].size}"
        rows.append(
            {
                "system": "ceph",
                "name": c.name,
                "raw_tb": _tb(c.raw_bytes),
                "usable_tb": usable,
                "layout": f"{len(c.mons)} mon, {len(c.mgrs)} mgr, {len(c.osd_list)} OSD on {len(c.osds)} hosts, "
                f"{len(c.rgw_daemons)} rgw, {len(c.mdss)} mds",
                "pools": {
                    p.name: (f"{p.type} size {p.size}" if p.type == "replicated" else f"EC {p.k}+{p.m}")
                    + f" min_size {p.min_size} per {p.failure_domain}"
                    for p in c.pools
                },
                "tolerates": _tolerance(c.failures),
                "required": list(c.survives),
                "unmet": sorted({f.scenario for f in unmet(c)}),
            }
        )
    for m in fabric.minio:
        rows.append(
            {
                "system": "minio",
                "name": m.name,
                "raw_tb": _tb(m.raw_bytes),
                "usable_tb": {"all pools": _tb(m.usable_bytes)},
                "layout": "; ".join(
                    f"pool {j + 1}: {len(p.servers)} servers x {p.drives_per_server} drives, {p.sets} set(s) of "
                    f"{p.set_size}, EC:{p.parity}, write quorum {p.write_quorum}, may lose {p.drives_tolerated} "
                    f"drives or {p.servers_tolerated} server(s) per set"
                    for j, p in enumerate(m.pools)
                ),
                "pools": {f"pool {j + 1}": p.volume for j, p in enumerate(m.pools)},
                "tolerates": _tolerance(m.failures),
                "required": list(m.survives),
                "unmet": sorted({f.scenario for f in unmet(m)}),
            }
        )
    return rows


def storage_drives(fabric: Fabric) -> list[dict[str, object]]:
    """Bill of materials of the storage drives: per cluster and server model, drive count."""
    rows: list[dict[str, object]] = []
    for c in fabric.ceph:
        per_model: dict[str, int] = {}
        for h, drives in c.osds.items():
            model = fabric.devices[h].model
            per_model[model] = per_model.get(model, 0) + len(drives)
        for model, n in per_model.items():
            rows.append(
                {
                    "system": "ceph",
                    "cluster": c.name,
                    "server_model": model,
                    "drives": n,
                    "device_class": c.device_class,
                }
            )
    for m in fabric.minio:
        per_model = {}
        for p in m.pools:
            for h in p.servers:
                model = fabric.devices[h].model
                per_model[model] = per_model.get(model, 0) + p.drives_per_server
        for model, n in per_model.items():
            rows.append(
                {"system": "minio", "cluster": m.name, "server_model": model, "drives": n, "device_class": "drive"}
            )
    return rows
