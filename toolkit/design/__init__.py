"""Design: a valid spec in, one deterministic Fabric out.

The steps run in this order, each a small module:
inventory (racks, servers, NIC ports) -> tenants.mark_members -> compute (rail-optimized leaves,
spines, cores) -> frontend (business / storage leaf-spine) -> oob (per-rack management) ->
racks (elevations, units and power per rack) -> cables (labels, ends' rack and unit, length,
one medium per cage) -> tenants (VNIs, member addresses) -> storage
(Ceph, MinIO placement) -> infiniband (subnet
managers, partitions, GUIDs; InfiniBand compute only) -> scheduler (placement units, node labels,
rail networks for Slurm / Kubernetes / NCCL) -> policy (values every
platform renders alike: sessions numbered or not, clamped MTUs, advertised prefixes, ECMP width,
management ACL and VRF, tenant VRF names / MTU / RD / RT, host routing, RDMA; and the platform
limits the spec must fit, see ``toolkit.design.policy``).
"""

from __future__ import annotations

import gc

from toolkit.design.border import build_border
from toolkit.design.cables import finalize_cables
from toolkit.design.compute import build_compute
from toolkit.design.context import Ctx, DesignError
from toolkit.design.frontend import build_frontends
from toolkit.design.infiniband import assign_ipoib, build_infiniband, ipoib_mtu
from toolkit.design.inventory import build_inventory
from toolkit.design.model import Fabric, PlaneInfo, PoolUsage, QosProfile, Site, fast_new, put
from toolkit.design.nccl import build_nccl
from toolkit.design.oob import build_oob, oob_gateway_controller
from toolkit.design.policy import PlatformLimitError, Violation, apply_policy, check_limits
from toolkit.design.racks import place_racks
from toolkit.design.scheduler import build_scheduler
from toolkit.design.segments import build_segments
from toolkit.design.sizing import ComputeSizing, SizingError, size_compute
from toolkit.design.storage import build_ceph, build_minio
from toolkit.design.switches import finalize_ports
from toolkit.design.tenants import build_tenants, mark_members
from toolkit.spec.models import ClusterSpec

__all__ = [
    "ComputeSizing",
    "DesignError",
    "Fabric",
    "PlatformLimitError",
    "SizingError",
    "Violation",
    "design",
    "design_unchecked",
    "size_compute",
]


def qos_profile(spec: ClusterSpec) -> QosProfile:
    q = spec.qos
    dscp_to_tc = {d: 0 for d in range(64)}
    dscp_to_tc[q.roce_dscp] = q.roce_priority
    dscp_to_tc[q.cnp_dscp] = q.cnp_priority
    # the spec's values carry over as they are (ECN flattened); the DSCP map is decided here
    return QosProfile(
        **q.model_dump(exclude={"ecn"}),
        ecn_min_kbytes=q.ecn.min_kbytes,
        ecn_max_kbytes=q.ecn.max_kbytes,
        ecn_probability=q.ecn.probability,
        dscp_to_tc=dscp_to_tc,
    )


def planes(spec: ClusterSpec, sz: ComputeSizing | None) -> dict[str, PlaneInfo]:
    """The planes the spec declares (a spec without ``networks.compute`` / ``networks.oob`` has
    no compute / oob plane)."""
    nets = spec.networks
    c = nets.compute
    out: dict[str, PlaneInfo] = {}
    if c is not None and sz is not None:
        out["compute"] = PlaneInfo(
            name="compute",
            kind=c.kind,
            switch_mtu=c.mtu if c.kind == "roce" else 4096,
            host_mtu=c.host_mtu if c.kind == "roce" else ipoib_mtu(spec),
            tiers=sz.tiers,
            underlay=c.underlay if c.kind == "roce" else "none",
        )
    if nets.business:
        out["business"] = PlaneInfo(
            name="business",
            kind="ethernet",
            switch_mtu=nets.business.mtu,
            host_mtu=nets.business.host_mtu,
            underlay=nets.business.underlay,
        )
    if nets.storage:
        if nets.storage.mode == "dedicated" and nets.storage.fabric:
            f = nets.storage.fabric
            out["storage"] = PlaneInfo(
                name="storage", kind="ethernet", switch_mtu=f.mtu, host_mtu=f.host_mtu, underlay=f.underlay
            )
        elif nets.business:
            b = nets.business
            out["storage"] = PlaneInfo(
                name="storage",
                kind="ethernet",
                switch_mtu=b.mtu,
                host_mtu=b.host_mtu,
                underlay=b.underlay,
                converged_with="business",
            )
    if nets.oob is not None:
        agg = nets.oob.aggregation
        out["oob"] = PlaneInfo(
            name="oob",
            kind="ethernet",
            switch_mtu=1500,
            host_mtu=1500,
            underlay="none",
            # per-rack access switches (+ the per-SU distribution) (+ the aggregation)
            tiers=1 + (agg is not None) + bool(agg and agg.distribution),
        )
    return out


def design(spec: ClusterSpec, platform: str | None = None) -> Fabric:
    """Turn a validated spec into the Fabric. Raises DesignError / SizingError with a clear message,
    :class:`PlatformLimitError` (a DesignError listing every violation) when the spec does not fit
    a platform it renders for.

    ``platform`` renders every Ethernet switch for one network OS (the lab uses ``frr``); the
    design (addresses, ASNs, VNIs) is identical, only native port names and the platform policy
    (numbered sessions, clamped MTUs, VRF names, ...) differ.
    """
    return _without_gc(spec, platform, check=True)


def design_unchecked(spec: ClusterSpec, platform: str | None = None) -> Fabric:
    """The Fabric without refusing platform limits: ``validate`` designs this way and reports
    ``check_limits`` as findings (``toolkit/rules/platform.py``)."""
    return _without_gc(spec, platform, check=False)


def _without_gc(spec: ClusterSpec, platform: str | None, *, check: bool) -> Fabric:
    # the design allocates a few hundred thousand small objects and frees none of them:
    # the cyclic garbage collector only costs time here (about a quarter of a 16k-GPU design)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        fabric = _design(spec, platform)
        if check:
            violations = check_limits(spec, fabric, platform)
            if violations:
                raise PlatformLimitError(violations)
        return fabric
    finally:
        if was_enabled:
            # every object the design made is still young: the first collection after gc.enable()
            # would walk all of them, and again as they age (about 0.7 s of a 16k-GPU validate).
            # They live as long as the Fabric: move them out of the collector's generations.
            # Reference counting still frees them; only cyclic garbage among them (a few hundred
            # objects per design) waits for a later gc.unfreeze().
            gc.freeze()
            gc.enable()


def _design(spec: ClusterSpec, platform: str | None) -> Fabric:
    ctx = Ctx(spec, platform)
    build_inventory(ctx)
    mark_members(ctx)
    sz = build_compute(ctx) if spec.networks.compute is not None else None
    build_frontends(ctx)
    border = build_border(ctx)
    build_oob(ctx)
    racks = place_racks(ctx)
    finalize_ports(ctx)
    finalize_cables(ctx)
    tenants = build_tenants(ctx)
    segments = build_segments(ctx)
    ib_sz = sz if spec.networks.compute is not None and spec.networks.compute.kind == "infiniband" else None
    ipoib_blocks = assign_ipoib(ctx, ib_sz) if ib_sz is not None else None
    ceph = build_ceph(ctx)
    minio = build_minio(ctx)
    gw, ctl = oob_gateway_controller(ctx)
    site = Site(
        domain=spec.site.domain,
        timezone=spec.site.timezone,
        ntp=list(spec.site.ntp),
        dns=list(spec.site.dns),
        syslog=list(spec.site.syslog),
        oob_prefix=spec.networks.oob.prefix if spec.networks.oob else None,
        oob_gateway=gw,
        controller_address=ctl,
        oob_vlan=spec.networks.oob.vlan if spec.networks.oob else 2,
    )
    pools = [
        PoolUsage(plane=p.plane, purpose=p.purpose, prefix=p.prefix, size=p.size, used=len(p.used)) for p in ctx.pools
    ]
    # not validated again: every value is a design model or a plain value built above (the tests
    # round-trip the Fabric through full validation)
    fabric = fast_new(
        Fabric,
        name=spec.cluster.name,
        site=site,
        planes=planes(spec, sz),
        qos=qos_profile(spec),
        devices=ctx.devices,
        cables=ctx.cables,
        tenants=tenants,
        segments=segments,
        ceph=ceph,
        minio=minio,
        pools=pools,
        sus=[su.name for su in spec.layout.scalable_units],
        skus=dict(ctx.skus),
        racks=racks,
        border=border,
    )
    apply_policy(fabric)
    # after the policy: both read Port.rdma_device
    ib = build_infiniband(ctx, ib_sz) if ib_sz is not None else None
    put(fabric, infiniband=ib, scheduler=build_scheduler(ctx, ipoib_blocks), nccl=build_nccl(spec, fabric))
    return fabric
