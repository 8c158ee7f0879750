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

from toolkit.spec.models import ClusterSpec, parse_breakout, parse_speed


@dataclass(frozen=True)
class TierPorts:
    model: str
    cages: int
    cage_speed: int
    lanes: int  # logical ports per cage
    speed: int  # logical port speed
    breakout: str | None

    @property
    def ports(self) -> int:
        return self.cages * self.lanes


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
    spines_per_pod: int
    links_per_leaf_spine: int
    sus_per_pod: int
    pods: int
    planned_pods: int
    spine_down: int  # ports per spine towards leaves (planned)
    spine_up: int  # ports per spine towards cores (3 tiers)
    cores_per_plane: int
    core_planes: int
    links_per_spine_core: int
    leaf: TierPorts
    spine: TierPorts
    core: TierPorts | None

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


def tier_ports(spec: ClusterSpec, model_name: str, breakout: str | None) -> TierPorts:
    model = spec.catalog.switches.get(model_name)
    if model is None:
        raise SizingError(f"switch model {model_name!r} is not in catalog.switches")
    cage_speed = parse_speed(model.speed)
    if breakout:
        lanes, speed = parse_breakout(breakout)
    else:
        lanes, speed = 1, cage_speed
    return TierPorts(model_name, model.ports, cage_speed, lanes, speed, breakout)


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


def _ratio(spec: ClusterSpec) -> float:
    return spec.networks.compute.ratio


def size_compute(spec: ClusterSpec) -> ComputeSizing:
    net = spec.networks.compute
    leaf = tier_ports(spec, net.leaf.model, net.leaf.breakout)
    spine = tier_ports(spec, net.spine.model, net.spine.breakout)
    rails = rails_of(spec)
    if rails == 0:
        raise SizingError("no GPU server with compute NICs in any scalable unit")
    counts = su_server_counts(spec)
    sus = len(counts)
    n = net.servers_per_su or max(counts)
    planned_sus = max(net.planned_sus or sus, sus)
    ratio = _ratio(spec)

    # leaf: D downlinks + U uplinks must fit in the leaf's logical ports
    d_max = math.floor(leaf.ports * ratio / (ratio + 1))
    if d_max < 1:
        raise SizingError(f"leaf model {leaf.model} has too few ports")
    leaves_per_rail = math.ceil(n / d_max)
    d = math.ceil(n / leaves_per_rail)
    u = math.ceil(d / ratio)
    if net.leaf.count:
        leaves_per_rail = max(leaves_per_rail, net.leaf.count)
    leaves_per_su = rails * leaves_per_rail
    planned_leaves = leaves_per_su * planned_sus

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
        return ComputeSizing(
            tiers=2,
            rails=rails,
            servers_per_su=n,
            sus=sus,
            planned_sus=planned_sus,
            leaves_per_rail=leaves_per_rail,
            leaves_per_su=leaves_per_su,
            leaf_down=d,
            leaf_up=u,
            spines_per_pod=spines,
            links_per_leaf_spine=lpp,
            sus_per_pod=planned_sus,
            pods=1,
            planned_pods=1,
            spine_down=planned_leaves * lpp,
            spine_up=0,
            cores_per_plane=0,
            core_planes=0,
            links_per_spine_core=0,
            leaf=leaf,
            spine=spine,
            core=None,
        )

    if net.core is None:
        raise SizingError("3 tiers are needed but networks.compute.core is not set")
    core = tier_ports(spec, net.core.model, net.core.breakout)
    spine_down_cap = spine.ports // 2
    sus_per_pod = spine_down_cap // leaves_per_su
    if sus_per_pod < 1:
        raise SizingError(f"one SU has {leaves_per_su} leaves but a spine has only {spine_down_cap} downlinks at 1:1")
    pods = math.ceil(sus / sus_per_pod)
    planned_pods = math.ceil(planned_sus / sus_per_pod)
    spine_down = sus_per_pod * leaves_per_su
    spine_up = spine_down  # non-blocking at the spine
    spines_per_pod = u
    planes = spines_per_pod
    need = math.ceil(planned_pods * spine_up / core.ports)
    cores_per_plane = net.core.count or _smallest_divisor_at_least(spine_up, max(need, 1))
    if spine_up % cores_per_plane:
        raise SizingError(f"spine uplinks ({spine_up}) must divide evenly over {cores_per_plane} cores")
    lpsc = spine_up // cores_per_plane
    if planned_pods * lpsc > core.ports:
        raise SizingError(f"{planned_pods} pods need {planned_pods * lpsc} ports per core, core model has {core.ports}")
    return ComputeSizing(
        tiers=3,
        rails=rails,
        servers_per_su=n,
        sus=sus,
        planned_sus=planned_sus,
        leaves_per_rail=leaves_per_rail,
        leaves_per_su=leaves_per_su,
        leaf_down=d,
        leaf_up=u,
        spines_per_pod=spines_per_pod,
        links_per_leaf_spine=1,
        sus_per_pod=sus_per_pod,
        pods=pods,
        planned_pods=planned_pods,
        spine_down=spine_down,
        spine_up=spine_up,
        cores_per_plane=cores_per_plane,
        core_planes=planes,
        links_per_spine_core=lpsc,
        leaf=leaf,
        spine=spine,
        core=core,
    )


def _smallest_divisor_at_least(n: int, lo: int) -> int:
    for k in range(max(lo, 1), n + 1):
        if n % k == 0:
            return k
    return n
