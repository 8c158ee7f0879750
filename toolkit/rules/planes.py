"""PLANE rules: the optional planes. A spec may leave out ``networks.compute`` (no GPU servers,
e.g. a business leaf-spine of racks under ``layout.racks``) and ``networks.oob`` (no management
switches); these rules say what then cannot work.

PLANE001 (error) a server with compute NICs, or an SU, needs ``networks.compute``: its rails would go nowhere.
PLANE002 (warning) without ``networks.oob`` no OOB switch is designed: switch management ports get no
         address, so the site services (NTP, DNS, syslog) and SSH that the switches reach through their
         management VRF, and the servers' BMCs, stay unreachable until management is set up outside aidc.
PLANE003 (error) the spec designs at least one network (compute, business or storage).
"""

from __future__ import annotations

from toolkit.rules.registry import SERVER_LIST, RuleCtx, rule
from toolkit.rules.specview import Out, frontends, servers


@rule("PLANE001", "error", needs=SERVER_LIST)
def _compute_needed(c: RuleCtx) -> Out:
    """servers with compute NICs and scalable units need networks.compute"""
    spec = c.spec
    if spec.networks.compute is not None:
        return
    if spec.layout.scalable_units:
        yield (
            ("layout", "scalable_units"),
            f"{len(spec.layout.scalable_units)} scalable unit(s) but no compute fabric: an SU is a unit of rail leaves",
            "add networks.compute, or put the racks under layout.racks",
        )
    seen: set[str] = set()
    for _name, model, _rack, path in servers(spec):
        m = spec.catalog.servers.get(model)
        if model in seen or m is None or not any(n.role == "compute" for n in m.nics):
            continue
        seen.add(model)
        yield (
            (*path, "model"),
            f"server model {model} has compute NICs but the spec has no compute fabric: its rails go nowhere",
            "add networks.compute (the rail-optimized fabric), or remove the model's compute NICs",
        )


@rule("PLANE002", "warning")
def _oob_missing(c: RuleCtx) -> Out:
    """without networks.oob, switch management and BMCs are left to be set up outside aidc"""
    if c.spec.networks.oob is not None:
        return
    yield (
        ("networks",),
        "no OOB network: the switches' management ports get no address, so NTP, DNS, syslog and SSH in their "
        "management VRF (and the servers' BMCs) are unreachable until management is configured outside aidc",
        "add networks.oob (a management switch per rack) to have aidc design management",
    )


@rule("PLANE003", "error")
def _some_plane(c: RuleCtx) -> Out:
    """the spec designs at least one network (compute, business or storage)"""
    if c.spec.networks.compute is None and not frontends(c.spec):
        yield (
            ("networks",),
            "no compute, business or dedicated storage network: there is nothing to design",
            "add networks.business (a leaf-spine EVPN fabric) or networks.compute",
        )
