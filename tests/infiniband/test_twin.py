"""The InfiniBand twin: ibsim simulates the designed fabric, the real opensm runs the rendered
files to SUBNET UP, and the `infiniband` health layer passes on it and fails, naming device and
port, for a moved cable, an unplugged link, a port missing from a partition and an absent standby SM."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.infiniband.conftest import needs_twin
from toolkit.design.model import Fabric
from toolkit.health.ib import IbLabTarget, parse_ibnetdiscover, parse_pkeys
from toolkit.health.model import CheckReport
from toolkit.health.runner import run_checks
from toolkit.lab import ib as twin

pytestmark = needs_twin


def check(fabric: Fabric, state_dir: Path) -> CheckReport:
    target = IbLabTarget(fabric.name, str(state_dir)).spec()
    return run_checks(fabric, target, layers=["infiniband"], timeout=300)  # type: ignore[arg-type]


def failures(report: CheckReport) -> list[str]:
    return [f"{r.device} {r.port}: {r.message}" for r in report.failures("infiniband")]


def leaf_port(fabric: Fabric, server: str, port: str) -> tuple[str, str, int]:
    p = fabric.devices[server].port(port)
    assert p.peer_device and p.peer_port and fabric.infiniband
    return p.peer_device, p.peer_port, fabric.infiniband.port_numbers[p.peer_device][p.peer_port]


def wait_discovered(st: twin.IbTwinState, pred, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred(parse_ibnetdiscover(twin.run_tool(st, ["ibnetdiscover"]))):
            return
        time.sleep(0.2)
    raise AssertionError("the simulated fabric did not change")


def test_designed_fabric_passes(ib_fabric: Fabric, ib_twin: tuple[twin.IbTwinState, Path]) -> None:
    _st, state_dir = ib_twin
    report = check(ib_fabric, state_dir)
    assert report.ok, failures(report) or report.errors
    lr = report.layers["infiniband"]
    ib = ib_fabric.infiniband
    assert ib is not None
    compute_cables = sum(1 for c in ib_fabric.cables if c.plane == "compute")
    hcas = sum(1 for n in ib.nodes.values() if n.kind == "hca")
    assert lr.passed == compute_cables + len(ib.subnet_managers) + hcas


def test_unplugged_link_fails_naming_device_and_port(ib_fabric: Fabric, ib_twin: tuple[twin.IbTwinState, Path]) -> None:
    st, state_dir = ib_twin
    leaf, lport, num = leaf_port(ib_fabric, "su1-r02-gpu02", "cx1")
    twin.console(st, f'Unlink "{leaf}"[{num}]')
    try:
        wait_discovered(st, lambda nodes: num not in next(n for n in nodes.values() if n.description == leaf).ports)
        msgs = failures(check(ib_fabric, state_dir))
        assert any(f"{leaf} port {lport}" in m and "no link" in m for m in msgs), msgs
    finally:
        twin.console(st, f'Link "{leaf}"[{num}] "su1-r02-gpu02:cx1"[1]')
        wait_discovered(st, lambda nodes: num in next(n for n in nodes.values() if n.description == leaf).ports)


def test_moved_cable_fails_naming_device_and_port(ib_fabric: Fabric, ib_twin: tuple[twin.IbTwinState, Path]) -> None:
    """Two servers' rail-0 cables swapped on their leaf."""
    st, state_dir = ib_twin
    leaf, p1, n1 = leaf_port(ib_fabric, "su1-r01-gpu01", "cx0")
    leaf2, p2, n2 = leaf_port(ib_fabric, "su1-r02-gpu01", "cx0")
    assert leaf == leaf2
    twin.console(st, f'Unlink "{leaf}"[{n1}]', f'Unlink "{leaf}"[{n2}]')
    twin.console(st, f'Link "{leaf}"[{n1}] "su1-r02-gpu01:cx0"[1]', f'Link "{leaf}"[{n2}] "su1-r01-gpu01:cx0"[1]')
    try:
        want = ib_fabric.infiniband.nodes["su1-r02-gpu01:cx0"].node_guid  # type: ignore[union-attr]

        def moved(nodes) -> bool:  # type: ignore[no-untyped-def]
            lf = next(n for n in nodes.values() if n.description == leaf)
            return n1 in lf.ports and lf.ports[n1].peer_guid == want

        wait_discovered(st, moved)
        msgs = failures(check(ib_fabric, state_dir))
        assert any(
            f"{leaf} port {p1}" in m and "su1-r02-gpu01" in m and "designed to su1-r01-gpu01" in m for m in msgs
        ), msgs
        assert any(f"{leaf} port {p2}" in m and "designed to su1-r02-gpu01" in m for m in msgs), msgs
    finally:
        twin.console(st, f'Unlink "{leaf}"[{n1}]', f'Unlink "{leaf}"[{n2}]')
        twin.console(st, f'Link "{leaf}"[{n1}] "su1-r01-gpu01:cx0"[1]', f'Link "{leaf}"[{n2}] "su1-r02-gpu01:cx0"[1]')
        wait_discovered(st, lambda nodes: not moved(nodes))


def _restart_master(st: twin.IbTwinState, fabric: Fabric, guid: str, pkey: int) -> None:
    """Restart the master SM (it reads the partition file at start) and wait until the port's PKey
    table no longer holds ``pkey``. (opensm also re-reads on SIGHUP, but under load the simulated
    sweep does not always follow within a minute.)"""
    master = next(s for s in fabric.infiniband.subnet_managers if s.role == "master")  # type: ignore[union-attr]
    before = twin.subnet_up_count(st, master.device)
    twin.stop_opensm(st, master.device)
    twin.start_opensm(st, fabric, master.device)
    twin.wait_subnet_up(st, master.device, timeout=120, after=before)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        nodes = parse_ibnetdiscover(twin.run_tool(st, ["ibnetdiscover"]))
        lid = next(n.lid for n in nodes.values() if n.port_guid == guid)
        keys = parse_pkeys(twin.run_tool(st, ["smpquery", "pkeys", str(lid)])) or set()
        if pkey & 0x7FFF not in {k & 0x7FFF for k in keys}:
            return
        time.sleep(0.5)
    raise AssertionError(f"the SM did not remove {guid} from partition {pkey:#06x}")


def test_port_missing_from_partition_fails(ib_fabric: Fabric, ib_twin: tuple[twin.IbTwinState, Path]) -> None:
    st, state_dir = ib_twin
    ib = ib_fabric.infiniband
    assert ib is not None
    tenant = next(p for p in ib.partitions if not p.default)
    member = tenant.members[0]
    conf = Path(st.folder) / "rendered" / "partitions.conf"
    original = conf.read_text()
    # the member leaves the tenant partition
    lines = original.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"{tenant.name}="))
    assert len(tenant.members) > 1 and member.guid in lines[start + 1]
    kept = [ln for i, ln in enumerate(lines) if i != start + 1]
    conf.write_text("\n".join(kept) + "\n")
    _restart_master(st, ib_fabric, member.guid, tenant.pkey)
    msgs = failures(check(ib_fabric, state_dir))
    assert any(
        m.startswith(f"{member.device} {member.port}:") and f"not a member of partition {tenant.name}" in m
        for m in msgs
    ), msgs


def test_absent_standby_sm_fails(ib_fabric: Fabric, ib_twin: tuple[twin.IbTwinState, Path]) -> None:
    st, state_dir = ib_twin
    standby = next(s for s in ib_fabric.infiniband.subnet_managers if s.role == "standby")  # type: ignore[union-attr]
    twin.stop_opensm(st, standby.device)
    try:
        msgs = failures(check(ib_fabric, state_dir))
        assert any(m.startswith(f"{standby.device} {standby.port}:") and "standby" in m for m in msgs), msgs
    finally:
        twin.start_opensm(st, ib_fabric, standby.device)
        twin.wait_standby(st, standby.device)


def test_ipoib_broadcast_groups_have_the_designed_mtu(ib_fabric: Fabric,
                                                      ib_twin: tuple[twin.IbTwinState, Path]) -> None:
    """The real opensm creates each IPoIB partition's broadcast group at the IB MTU the design
    gives partitions.conf (opensm's own default is 2048, too small for 4092-byte datagram IPoIB)."""
    st, _ = ib_twin
    ib = ib_fabric.infiniband
    assert ib is not None
    groups: dict[int, int] = {}  # full-member pkey -> IBTA MTU code of its broadcast group
    for block in twin.run_tool(st, ["saquery", "-g"]).split("MCMemberRecord group dump:")[1:]:
        fields = dict(re.findall(r"(\w+)\.{2,}(\S+)", block))
        if fields["MGID"].endswith("::ffff:ffff"):
            groups[int(fields["pkey"], 16)] = int(fields["Mtu"], 16) & 0x3F  # low 6 bits: the MTU code
    want = {p.pkey | 0x8000: ib.mtu_code for p in ib.partitions if p.ipoib}
    assert want and groups == want
    assert ib.mtu_code == 5  # 4096: the default IB MTU of the spec
