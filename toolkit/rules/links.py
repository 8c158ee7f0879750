"""LINK: every cable comes up and every switch keeps its uplinks when one cage fails.

LINK001 both ends of every cable of every plane run the same speed and SerDes lanes per port
        (a 400G port over 8 lanes does not link with a 400G port over 4 lanes).
LINK002 no cage carries uplinks to two upstream switches (one cage or optic failure would cut
        several uplinks at once); the design places each upstream switch on its own cages.
LINK003 a tier's uplink_breakout is a mode its switch model supports.
LINK004 front-end (business / storage) leaves stay within their declared oversubscription.
LINK005 (warning) the front-end oversubscription is declared; the warning gives the designed ratio.
"""

from __future__ import annotations

import math
from collections import defaultdict

from toolkit.design.model import Device, Fabric, Port
from toolkit.design.naming import serdes_lanes
from toolkit.findings import format_path
from toolkit.rules.fabric import Out, PortIndex, fabric_rule, tier_path
from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import frontends, tier_models
from toolkit.spec.models import ClusterSpec, parse_breakout, parse_speed


def lanes_per_port(dev: Device, port: Port) -> int | None:
    """SerDes lanes one logical port uses: the cage's lanes / the ports its mode splits it into."""
    if not dev.is_switch or port.cage is None or not dev.cage_speed:
        return None
    n = parse_breakout(port.breakout)[0] if port.breakout else 1
    return max(serdes_lanes(dev.native_speed(port.cage)) // n, 1)


def _mode(speed: int, lanes: int | None) -> str:
    return f"{speed}G" if lanes is None else f"{speed}G over {lanes} lane{'s' if lanes > 1 else ''}"


@fabric_rule("LINK001", "error")
def _ends_agree(spec: ClusterSpec, fabric: Fabric) -> Out:
    """both ends of every cable run the same speed and lanes per port (every plane)"""
    idx = PortIndex.of(fabric)
    by_device = idx.by_device
    no_ports: dict[str, Port] = {}
    devices = fabric.devices
    # one finding per kind of mismatch: (plane, tier, a role, a mode, b role, b mode)
    groups: dict[tuple[str, str, str, str, int, int | None, str, str, int, int | None], list[tuple[str, str]]]
    groups = defaultdict(list)
    for c in fabric.cables:
        ap = by_device.get(c.a_device, no_ports).get(c.a_port)  # idx.port, inlined: called for every cable end
        bp = by_device.get(c.b_device, no_ports).get(c.b_port)
        if ap is None or bp is None:
            continue
        if ap.speed == bp.speed and (
            ap.cage is None or bp.cage is None  # an end without a cage (a server NIC) has no lanes to compare
            or (ap.breakout == bp.breakout
                and devices[c.a_device].native_speed(ap.cage) == devices[c.b_device].native_speed(bp.cage))
        ):
            continue  # the same speed, and the same mode on the same cage type: trivially equal
        a, b = devices[c.a_device], devices[c.b_device]
        la, lb = lanes_per_port(a, ap), lanes_per_port(b, bp)
        if ap.speed == bp.speed and (la is None or lb is None or la == lb):
            continue
        key = (c.plane, c.tier, a.role, a.model, ap.speed, la, b.role, b.model, bp.speed, lb)
        groups[key].append((f"{c.a_device}:{c.a_port}", f"{c.b_device}:{c.b_port}"))
    for (plane, tier, _ar, _am, sa, la, _br, _bm, sb, lb), ends in groups.items():
        a_end, b_end = ends[0]
        a = devices[a_end.split(":")[0]]
        b = devices[b_end.split(":")[0]]
        ap = idx.port(a.name, a_end.split(":", 1)[1])
        bp = idx.port(b.name, b_end.split(":", 1)[1])
        # blame the side facing up (the lower device's uplink / the server's NIC) unless it is a server
        path = tier_path(spec, a, ap)
        other = format_path(tier_path(spec, b, bp))
        yield (
            path,
            f"{len(ends)} {plane} {tier} cable(s) do not come up: {a_end} runs {_mode(sa, la)}"
            f" but {b_end} runs {_mode(sb, lb)}"
            + (f" (and {len(ends) - 1} more like it)" if len(ends) > 1 else ""),
            f"make both ends the same mode: set {format_path(path)} (breakout / uplink_breakout / NIC speed) "
            f"or {other} so the ports match",
        )


@fabric_rule("LINK002", "error")
def _uplink_cages(spec: ClusterSpec, fabric: Fabric) -> Out:
    """no cage carries uplinks to two upstream switches (uplinks spread over cages)"""
    seen: set[tuple[str | int, ...]] = set()
    for dev in fabric.devices.values():
        if not dev.is_switch or dev.role == "oob":
            continue
        peers: dict[int, set[str]] = defaultdict(set)
        for p in dev.ports:
            if p.role == "uplink" and p.cage is not None and p.peer_device:
                peers[p.cage].add(p.peer_device)
        for cage, ps in sorted(peers.items()):
            if len(ps) > 1:
                path = tier_path(spec, dev)
                if path in seen:
                    break
                seen.add(path)
                yield (
                    (*path, "uplink_breakout"),
                    f"cage {cage} of {dev.name} carries uplinks to {', '.join(sorted(ps))}: losing that cage "
                    f"or its optic cuts {len(ps)} uplinks at once",
                    "give every upstream switch its own cages (uplink_breakout with one port per cage, "
                    "or as many links per spine as the cage has lanes)",
                )
                break


@rule("LINK003", "error")
def _uplink_mode(c: RuleCtx) -> Out:
    """a tier's uplink_breakout is a mode its switch model supports"""
    spec = c.spec
    for model_name, _, path in tier_models(spec):
        if path[-1] == "switch_model":
            continue
        tier = _tier_spec(spec, path)
        mode = getattr(tier, "uplink_breakout", None)
        m = spec.catalog.switches.get(model_name)
        if m is None or not mode:
            continue
        try:
            lanes, speed = parse_breakout(mode)
        except ValueError as exc:
            yield (*path, "uplink_breakout"), str(exc), "write it like 1x800G"
            continue
        if m.breakouts and mode not in m.breakouts and not (lanes == 1 and f"{speed}G" == m.speed):
            yield (
                (*path, "uplink_breakout"),
                f"{model_name} does not support {mode}",
                f"supported: {', '.join(m.breakouts)}",
            )
        elif lanes * speed > parse_speed(m.speed):
            yield (*path, "uplink_breakout"), f"{mode} exceeds the {m.speed} cage of {model_name}", ""


def _tier_spec(spec: ClusterSpec, path: tuple[str | int, ...]) -> object:
    obj: object = spec
    for part in path:
        obj = getattr(obj, str(part))
    return obj


def _fe_worst(fabric: Fabric, plane: str) -> tuple[float, str] | None:
    """(ratio, description) of the plane's leaf with the highest host:uplink bandwidth ratio."""
    worst: tuple[float, str] | None = None
    for dev in fabric.by_role(f"{plane}-leaf"):
        host = up = n_host = n_up = 0
        for p in dev.ports:
            if p.role == "uplink":
                up += p.speed
                n_up += 1
            elif p.role == "downlink" and p.peer_device:
                host += p.speed
                n_host += 1
        if not up or not n_host:  # a leaf without hosts (yet) oversubscribes nothing
            continue
        ratio = host / up
        if worst is None or ratio > worst[0]:
            text = f"{dev.name} carries {n_host} host ports ({host}G) over {n_up} uplinks ({up}G): {ratio:.2f}:1"
            worst = (ratio, text)
    return worst


@fabric_rule("LINK004", "error")
def _fe_oversubscription(spec: ClusterSpec, fabric: Fabric) -> Out:
    """business / storage leaves stay within their declared oversubscription (host:uplink bandwidth)"""
    for plane, fe, path in frontends(spec):
        worst = _fe_worst(fabric, plane)
        if worst is None or fe.oversubscription is None:
            continue
        declared = float(fe.oversubscription.split(":")[0])
        if worst[0] > declared + 1e-9:
            yield (
                (*path, "oversubscription"),
                f"{plane} leaves exceed the declared {fe.oversubscription}: {worst[1]}",
                "add spines or uplinks_per_spine, lower racks_per_group, or declare the ratio the design has",
            )


@fabric_rule("LINK005", "warning")
def _fe_oversubscription_declared(spec: ClusterSpec, fabric: Fabric) -> Out:
    """business / storage oversubscription is declared (the warning gives the ratio)"""
    for plane, fe, path in frontends(spec):
        worst = _fe_worst(fabric, plane)
        if worst is None or fe.oversubscription is not None:
            continue
        yield (
            path,
            f"{plane} oversubscription is not declared; the design's worst leaf {worst[1]}",
            f'declare {format_path((*path, "oversubscription"))}: "{math.ceil(worst[0] - 1e-9)}:1" '
            "(or add spines / uplinks_per_spine)",
        )
