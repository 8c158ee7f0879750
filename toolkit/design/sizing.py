"""Sizing of the rail-optimized compute fabric: pure arithmetic, no devices.

Terms (all counts are logical ports at the tier's breakout speed):
- ``R`` rails = compute NIC ports per server; ``N`` planned servers per SU.
- leaf: ``D`` downlinks (servers), ``U`` uplinks; ``D/U`` is the oversubscription ratio.
- 2 tiers: every leaf reaches every spine with ``lpp`` parallel links; spines = U / lpp.
- 3 tiers: pods of SUs; each leaf has one link to each of the ``U`` spines of its pod; a spine
  has ``P/2`` down and ``P/2`` up; spine j of every pod goes to core plane j; cores per plane
  are sized for the planned number of pods.

Sizes depend only on planned values (servers per SU, SUs), so adding servers or SUs within the
plan changes no existing port.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

from toolkit.spec.models import ClusterSpec, ComputeNetwork, FrontendNetwork, parse_breakout, parse_speed


@dataclass(frozen=True)
class TierPorts:
    model: str
    cages: int
    cage_speed: int
    lanes: int  # logical ports per cage (downlink mode)
    speed: int  # logical port speed (downlink mode)
    breakout: str | None
    up_lanes: int = 0  # uplink cages' mode (0: same as the downlinks)
    up_speed: int = 0
    up_breakout: str | None = None

    @property
    def ports(self) -> int:
        return self.cages * self.lanes

    @property
    def uplink_lanes(self) -> int:
        return self.up_lanes or self.lanes

    @property
    def uplink_speed(self) -> int:
        return self.up_speed or self.speed

    def max_down(self, ratio: float) -> int:
        """Most downlinks that leave room for their uplinks at ``ratio`` (bandwidth down:up)."""
        if not self.up_lanes:
            return math.floor(self.ports * ratio / (ratio + 1))
        # cages: D / lanes + D * speed / (ratio * up_speed * up_lanes) <= cages
        per_down = 1 / self.lanes + self.speed / (ratio * self.up_speed * self.up_lanes)
        d = math.floor(self.cages / per_down)
        while d > 0 and -(-d // self.lanes) + -(-self.uplinks(d, ratio) // self.up_lanes) > self.cages:
            d -= 1
        return d

    def uplinks(self, down: int, ratio: float) -> int:
        """Uplinks (at the uplink speed) that carry ``down`` downlinks at ``ratio``."""
        return math.ceil(down * self.speed / (ratio * self.uplink_speed) - 1e-9)


@dataclass(frozen=True)
class ComputeSizing:
    tiers: int
    rails: int
    servers_per_su: int
    sus: int
    planned_sus: int
    leaves_per_rail: int
    leaves_per_su: int
    leaf_down: int  # D: server ports per leaf (planned)
    leaf_up: int  # U
    leaf: TierPorts
    spine: TierPorts
    spines_per_pod: int
    links_per_leaf_spine: int
    sus_per_pod: int
    spine_down: int  # ports per spine towards leaves (planned)
    # the core tier (3 tiers); the defaults are a 2-tier fabric: one pod, no cores
    pods: int = 1
    planned_pods: int = 1
    spine_up: int = 0  # ports per spine towards cores
    cores_per_plane: int = 0
    core_planes: int = 0
    links_per_spine_core: int = 0
    core: TierPorts | None = None
    last_pod_links_per_spine_core: int = 0  # the last planned pod, when it holds fewer SUs

    def spine_core_links(self, pod: int) -> int:
        """Links from each spine of ``pod`` to each core of its plane: the last planned pod, when
        partial, gets only what its planned SUs need (non-blocking); others the full count."""
        if pod == self.planned_pods - 1 and self.last_pod_links_per_spine_core:
            return self.last_pod_links_per_spine_core
        return self.links_per_spine_core

    @property
    def leaves(self) -> int:
        return self.leaves_per_su * self.sus

    @property
    def spines(self) -> int:
        return self.spines_per_pod * self.pods

    @property
    def cores(self) -> int:
        return self.cores_per_plane * self.core_planes if self.tiers == 3 else 0


class SizingError(ValueError):
    """The spec cannot be sized; the message says why (validation turns it into a finding)."""


def tier_ports(
    spec: ClusterSpec, model_name: str, breakout: str | None, uplink_breakout: str | None = None
) -> TierPorts:
    model = spec.catalog.switches.get(model_name)
    if model is None:
        raise SizingError(f"switch model {model_name!r} is not in catalog.switches")
    cage_speed = parse_speed(model.speed)
    if breakout:
        lanes, speed = parse_breakout(breakout)
    else:
        lanes, speed = 1, cage_speed
    if uplink_breakout and uplink_breakout != breakout:
        up_lanes, up_speed = parse_breakout(uplink_breakout)
        return TierPorts(
            model_name, model.ports, cage_speed, lanes, speed, breakout, up_lanes, up_speed, uplink_breakout
        )
    return TierPorts(model_name, model.ports, cage_speed, lanes, speed, breakout)


def cages_per_peer(links: int, lanes: int) -> int:
    return -(-links // lanes)


def frontend_leaf_capacity(spec: ClusterSpec, fe: FrontendNetwork) -> int:
    """Host ports of one front-end leaf: the cages left after every spine's uplink cages."""
    t = tier_ports(spec, fe.leaf.model, fe.leaf.breakout, fe.leaf.uplink_breakout)
    up = (fe.spine.count or 2) * cages_per_peer(fe.uplinks_per_spine, t.uplink_lanes)
    return max(t.cages - up, 0) * t.lanes


def rails_of(spec: ClusterSpec) -> int:
    """Compute NIC ports of the GPU server models (they must agree; rule CMP001 checks)."""
    counts = set()
    for group_model in _gpu_models(spec):
        m = spec.catalog.servers[group_model]
        counts.add(sum(n.ports for n in m.nics if n.role == "compute"))
    return max(counts) if counts else 0


def _gpu_models(spec: ClusterSpec) -> list[str]:
    out = []
    for su in spec.layout.scalable_units:
        for rack in su.racks:
            for g in rack.servers:
                if g.model in spec.catalog.servers and any(
                    n.role == "compute" for n in spec.catalog.servers[g.model].nics
                ):
                    out.append(g.model)
    return sorted(set(out))


def su_server_counts(spec: ClusterSpec) -> list[int]:
    out = []
    for su in spec.layout.scalable_units:
        n = 0
        for rack in su.racks:
            for g in rack.servers:
                m = spec.catalog.servers.get(g.model)
                if m is None or not any(nic.role == "compute" for nic in m.nics):
                    continue
                n += len(g.names) if g.names else (g.count or 0)
        out.append(n)
    return out


def compute_net(spec: ClusterSpec) -> ComputeNetwork:
    """``networks.compute`` of a spec that has one: the compute steps run only then."""
    net = spec.networks.compute
    if net is None:
        raise SizingError("the spec has no compute fabric (networks.compute)")
    return net


def _ratio(spec: ClusterSpec) -> float:
    return compute_net(spec).ratio


def size_compute(spec: ClusterSpec) -> ComputeSizing:
    net = compute_net(spec)
    leaf = tier_ports(spec, net.leaf.model, net.leaf.breakout, net.leaf.uplink_breakout)
    spine = tier_ports(spec, net.spine.model, net.spine.breakout, net.spine.uplink_breakout)
    rails = rails_of(spec)
    if rails == 0:
        raise SizingError("no GPU server with compute NICs in any scalable unit")
    counts = su_server_counts(spec)
    sus = len(counts)
    n = net.servers_per_su or max(counts)
    planned_sus = max(net.planned_sus or sus, sus)
    ratio = _ratio(spec)

    # leaf: D downlinks + U uplinks (bandwidth D*speed / (U*uplink speed) = ratio) must fit
    d_max = leaf.max_down(ratio)
    if d_max < 1:
        raise SizingError(f"leaf model {leaf.model} has too few ports")
    leaves_per_rail = math.ceil(n / d_max)
    d = math.ceil(n / leaves_per_rail)
    u = leaf.uplinks(d, ratio)
    if net.leaf.count:
        leaves_per_rail = max(leaves_per_rail, net.leaf.count)
    leaves_per_su = rails * leaves_per_rail
    planned_leaves = leaves_per_su * planned_sus

    sized = partial(
        ComputeSizing,
        rails=rails,
        servers_per_su=n,
        sus=sus,
        planned_sus=planned_sus,
        leaves_per_rail=leaves_per_rail,
        leaves_per_su=leaves_per_su,
        leaf_down=d,
        leaf_up=u,
        leaf=leaf,
        spine=spine,
    )
    tiers: int
    tiers = (2 if planned_leaves <= spine.ports else 3) if net.tiers == "auto" else int(net.tiers)

    core = None
    if tiers == 2:
        need = math.ceil(planned_leaves * u / spine.ports)
        spines = net.spine.count or _smallest_divisor_at_least(u, max(need, min(2, u)))
        if u % spines:
            raise SizingError(f"leaf uplinks ({u}) must divide evenly over {spines} spines")
        lpp = u // spines
        if planned_leaves * lpp > spine.ports:
            raise SizingError(
                f"{planned_leaves} leaves x {lpp} links need {planned_leaves * lpp} spine ports, "
                f"spine model {spine.model} has {spine.ports}: use 3 tiers"
            )
        _fits(leaf, d, spines, lpp, "leaf")
        return sized(
            tiers=2,
            spines_per_pod=spines,
            links_per_leaf_spine=lpp,
            sus_per_pod=planned_sus,
            spine_down=planned_leaves * lpp,
        )

    if net.core is None:
        raise SizingError("3 tiers are needed but networks.compute.core is not set")
    core = tier_ports(spec, net.core.model, net.core.breakout)
    spine_down_cap = spine.max_down(1.0)
    sus_per_pod = spine_down_cap // leaves_per_su
    if sus_per_pod < 1:
        raise SizingError(f"one SU has {leaves_per_su} leaves but a spine has only {spine_down_cap} downlinks at 1:1")
    pods = math.ceil(sus / sus_per_pod)
    planned_pods = math.ceil(planned_sus / sus_per_pod)
    spine_down = sus_per_pod * leaves_per_su
    spine_up = spine.uplinks(spine_down, 1.0)  # non-blocking at the spine
    spines_per_pod = u
    _fits(leaf, d, u, 1, "leaf")
    planes = spines_per_pod
    need = math.ceil(planned_pods * spine_up / core.ports)
    cores_per_plane = net.core.count or _smallest_divisor_at_least(spine_up, max(need, 1))
    if spine_up % cores_per_plane:
        raise SizingError(f"spine uplinks ({spine_up}) must divide evenly over {cores_per_plane} cores")
    lpsc = spine_up // cores_per_plane
    if planned_pods * lpsc > core.ports:
        raise SizingError(f"{planned_pods} pods need {planned_pods * lpsc} ports per core, core model has {core.ports}")
    _fits(spine, spine_down, cores_per_plane, lpsc, "spine")
    last_sus = planned_sus - (planned_pods - 1) * sus_per_pod
    last_lpsc = 0
    if last_sus < sus_per_pod:
        last_up = spine.uplinks(last_sus * leaves_per_su, 1.0)
        last_lpsc = min(lpsc, math.ceil(last_up / cores_per_plane))
    return sized(
        tiers=3,
        spines_per_pod=spines_per_pod,
        links_per_leaf_spine=1,
        sus_per_pod=sus_per_pod,
        spine_down=spine_down,
        pods=pods,
        planned_pods=planned_pods,
        spine_up=spine_up,
        cores_per_plane=cores_per_plane,
        core_planes=planes,
        links_per_spine_core=lpsc,
        core=core,
        last_pod_links_per_spine_core=last_lpsc,
    )


def _fits(tier: TierPorts, down: int, peers: int, links: int, what: str) -> None:
    """Downlink cages plus one run of uplink cages per upstream switch fit on the switch."""
    need = -(-down // tier.lanes) + peers * cages_per_peer(links, tier.uplink_lanes)
    if need > tier.cages:
        raise SizingError(
            f"{what} model {tier.model} needs {need} cages ({down} downlinks, {peers} x {links} uplinks with every "
            f"upstream switch on its own cages), it has {tier.cages}: set uplink_breakout so each cage carries "
            f"the links of one upstream switch, or pick a larger switch"
        )


def _smallest_divisor_at_least(n: int, lo: int) -> int:
    for k in range(max(lo, 1), n + 1):
        if n % k == 0:
            return k
    return n
