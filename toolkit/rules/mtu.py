"""MTU rules: host, switch and VXLAN MTUs."""

from __future__ import annotations

from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, frontends


@rule("MTU001", "error")
def _mtu_host(c: RuleCtx) -> Out:
    """host MTU never exceeds the switch MTU of its plane"""
    net = c.spec.networks.compute
    if net is not None and net.kind == "roce" and net.host_mtu > net.mtu:
        yield ("networks", "compute", "host_mtu"), f"host MTU {net.host_mtu} > switch MTU {net.mtu}", ""
    for _plane, fe, path in frontends(c.spec):
        if fe.host_mtu > fe.mtu:
            yield (*path, "host_mtu"), f"host MTU {fe.host_mtu} > switch MTU {fe.mtu}", ""


@rule("MTU002", "error")
def _mtu_roce(c: RuleCtx) -> Out:
    """RoCE host MTU carries a 4096-byte RDMA payload (at least 4200)"""
    net = c.spec.networks.compute
    if net is not None and net.kind == "roce" and net.host_mtu < 4200:
        yield ("networks", "compute", "host_mtu"), f"{net.host_mtu} cannot carry RoCE MTU 4096", "use 9000"


@rule("MTU003", "warning")
def _mtu_vxlan(c: RuleCtx) -> Out:
    """switch MTU leaves room for VXLAN (50 bytes) over the host MTU on EVPN planes"""
    for _plane, fe, path in frontends(c.spec):
        if c.spec.tenants and fe.mtu - fe.host_mtu < 50:
            yield (*path, "mtu"), f"switch MTU {fe.mtu} leaves {fe.mtu - fe.host_mtu} bytes for VXLAN", ""
