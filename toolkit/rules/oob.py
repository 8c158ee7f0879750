"""OOB rules: out-of-band management ports and switches."""

from __future__ import annotations

from toolkit.rules.registry import SERVER_LIST, SWITCH_PORTS, RuleCtx, rule
from toolkit.rules.specview import Out, managed_per_rack, racks, servers, tier_models


@rule("OOB001", "error")
def _oob_server(c: RuleCtx) -> Out:
    """every server model has an out-of-band (BMC) port"""
    if c.spec.networks.oob is None:
        return  # no OOB network: nothing to cable a BMC to
    used = {m for _, m, _, _ in servers(c.spec)}
    for name in sorted(used):
        m = c.spec.catalog.servers.get(name)
        if m and not any(n.role == "oob" for n in m.nics):
            yield (
                ("catalog", "servers", name, "nics"),
                f"{name} has no oob NIC",
                "add {name: bmc, role: oob, speed: 1G}",
            )


@rule("OOB002", "error", needs=SWITCH_PORTS)
def _oob_switch(c: RuleCtx) -> Out:
    """every switch model in use has a management port"""
    if c.spec.networks.oob is None:
        return
    for model, _, path in tier_models(c.spec):
        m = c.spec.catalog.switches.get(model)
        if m is not None and not m.mgmt_port:
            yield path, f"{model} has no management port", "devices without OOB cannot be managed"


@rule("OOB003", "error", needs=SERVER_LIST + SWITCH_PORTS)
def _oob_ports(c: RuleCtx) -> Out:
    """the per-rack OOB switch has a port for every device in the rack plus an uplink"""
    oob = c.spec.networks.oob
    m = c.spec.catalog.switches.get(oob.switch_model) if oob is not None else None
    if oob is None or m is None:
        return
    per_rack = managed_per_rack(c.spec, c.sizing)
    for rack, path, _ in racks(c.spec):
        need = rack.pdus + per_rack[rack.name] + 1
        if need > m.ports:
            yield (
                (*path, "name"),
                (f"rack {rack.name} needs {need} OOB ports, {oob.switch_model} has {m.ports}"),
                ("split the rack or use a larger OOB switch"),
            )
