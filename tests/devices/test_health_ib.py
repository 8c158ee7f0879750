"""The ``infiniband`` health layer (``toolkit.health.ib``) on recorded output, root-free.

``tests/fixtures/infiniband/`` holds what the real infiniband-diags (``ibnetdiscover``,
``sminfo``, ``smpquery pkeys``) printed against the IB twin (ibsim simulating the designed
fabric, the real opensm running the rendered files), recorded by tests/fixtures/record_ib.py,
and the spec it was designed from. The tools are answered from those files (``recorded_runner``);
faults are edits of the recorded text made the way the fabric would show them (a cable moved to
another port, a port without its partition, a standby SM that is gone). The live twin is tested
by tests/infiniband/test_twin.py.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.recorded import ROOT
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.health import ib
from toolkit.health.ib import (
    IbLabTarget,
    IbObservation,
    ib_links,
    ib_part_name,
    ib_partition_ports,
    ib_subnet_managers,
    link_problems,
    observe,
    parse_ibnetdiscover,
    parse_pkeys,
    parse_sminfo,
    partition_problems,
    runner_for,
    sm_problems,
    ssh_runner,
    twin_runner,
)
from toolkit.spec.models import ClusterSpec
from toolkit.targets import TargetError, TargetSpec

REC = ROOT / "tests" / "fixtures" / "infiniband"
META = json.loads((REC / "meta.json").read_text())


@functools.cache
def _fabric() -> Fabric:
    return design(ClusterSpec.model_validate(json.loads((REC / "spec.json").read_text())))


def fabric() -> Fabric:
    return _fabric().model_copy(deep=True)


def recorded_runner(edits: dict[str, str] | None = None, fail: set[str] | None = None) -> Any:
    """The tools, answered from the recording (``edits``: file -> replacement text; ``fail``:
    files whose command fails as the real tool does when nothing answers)."""
    calls: list[list[str]] = []

    def run(argv: list[str], timeout: float) -> str:
        calls.append(argv)
        name = {("ibnetdiscover",): "ibnetdiscover.txt", ("sminfo",): "sminfo.txt"}.get(tuple(argv))
        if name is None and argv[0] == "sminfo":
            name = f"sminfo-{argv[1]}.txt"
        if name is None and argv[:2] == ["smpquery", "pkeys"]:
            name = f"pkeys-{argv[2]}.txt"
        assert name is not None, argv
        if name in (fail or set()):
            raise RuntimeError(
                f"{' '.join(argv)}: exit 255: ibwarn: [1234] mad_rpc: _do_madrpc failed; dport (Lid {argv[-1]})"
            )
        if edits and name in edits:
            return edits[name]
        return (REC / name).read_text()

    run.calls = calls  # type: ignore[attr-defined]
    return run


def problems(obs: IbObservation, fab: Fabric) -> list[str]:
    out: list[str] = []
    for c in ib_links(fab):
        out += link_problems(c, obs)
    for c in ib_subnet_managers(fab):
        out += sm_problems(c, obs)
    for c in ib_partition_ports(fab):
        out += partition_problems(c, obs)
    return out


def test_parsers_on_the_recorded_output() -> None:
    nodes = parse_ibnetdiscover((REC / "ibnetdiscover.txt").read_text())
    fab = fabric()
    assert fab.infiniband is not None
    assert {n.description.split()[0] for n in nodes.values()} == {n.device for n in fab.infiniband.nodes.values()}
    leaf = next(n for n in nodes.values() if n.description == "su1-leaf-rail0")
    assert leaf.kind == "switch" and leaf.lid == 3 and leaf.guid == "0x02a1dca4e7e1b220"
    assert leaf.ports[1].peer_guid == "0x02a1dcb8aae09dc0" and leaf.ports[1].peer_num == 1
    assert (leaf.ports[1].width, leaf.ports[1].speed) == (4, "EDR")
    assert leaf.ports[29].peer_num == 1 and nodes[leaf.ports[29].peer_guid].description == "spine01"
    hca = next(n for n in nodes.values() if n.description == "su1-r02-gpu02 mlx5_1")
    assert hca.kind == "hca" and hca.lid == 10 and hca.port_guid == "0x02a1dc33c37c77e1"
    assert hca.ports == {1: ib.IbLink("0x02a1dcf38135f400", 4, 4, "EDR")}
    assert parse_sminfo((REC / "sminfo.txt").read_text()) == (1, "0x02a1dc167179c9b1", 15, "SMINFO_MASTER")
    assert parse_sminfo("ibwarn: query failed\n") is None
    assert parse_pkeys((REC / "pkeys-4.txt").read_text()) == {0x7FFF, 0x9000}
    assert parse_pkeys("   0: 0x0000 0x0000\n") == set(), "empty slots dropped"
    assert parse_pkeys("smpquery: iberror: failed\n") is None


def test_the_recorded_fabric_passes_every_case() -> None:
    fab = fabric()
    run = recorded_runner()
    obs = observe(run, fab, META["sim_max_speed"])
    assert obs.error is None and obs.master is not None
    links, sms, parts = ib_links(fab), ib_subnet_managers(fab), ib_partition_ports(fab)
    assert len(links) == sum(1 for c in fab.cables if c.plane == "compute") == 16
    assert [c.suffix for c in sms] == ["master", "standby"] and len(parts) == 8
    assert problems(obs, fab) == []
    queried = sorted(int(a[2]) for a in run.calls if a[:2] == ["smpquery", "pkeys"])
    assert queried == [1, 4, 5, 8, 9, 10, 11, 12], "one partition table per HCA port, read once"
    assert obs.pkeys(99) == "not queried"


def test_the_case_of_a_server_cable_is_named_by_its_leaf_port() -> None:
    fab = fabric()
    case = next(c for c in ib_links(fab) if c.expect["peer"] == "su1-r01-gpu01" and c.device == "su1-leaf-rail0")
    assert case.expect["num"] == 1 and case.expect["rate"] == 100 and case.expect["peer_num"] == 1


def test_a_moved_cable_is_named_with_both_ends() -> None:
    text = (REC / "ibnetdiscover.txt").read_text()
    # su1-leaf-rail0 port 1 now reaches su1-r01-gpu02's HCA (its cable moved one port down)
    moved = text.replace('[1]\t"H-02a1dcb8aae09dc0"[1](2a1dcb8aae09dc1)',
                         '[1]\t"H-02a1dc167179c9b0"[1](2a1dc167179c9b1)')
    assert moved != text
    fab = fabric()
    obs = observe(recorded_runner({"ibnetdiscover.txt": moved}), fab, META["sim_max_speed"])
    # one problem only: gpu02's own cable (leaf port 2) still reaches it; the recorded description
    # of the HCA found there names it
    assert problems(obs, fab) == [
        "su1-leaf-rail0 port 1 (IB port 1): cabled to su1-r01-gpu02 mlx5_0 IB port 1; designed to "
        "su1-r01-gpu01 cx0 (IB port 1)"
    ]


def test_an_unplugged_or_slow_link_and_an_unknown_switch() -> None:
    fab = fabric()
    case = next(c for c in ib_links(fab) if c.device == "su1-leaf-rail0" and c.expect["num"] == 1)
    obs = observe(recorded_runner(), fab, None)  # real hardware: no simulator cap
    node = obs.nodes[case.expect["guid"]]
    assert link_problems(case, obs) == []
    node.ports[1].width, node.ports[1].speed = 1, "SDR"
    where = f"{case.device} port {case.port} (IB port 1)"
    assert link_problems(case, obs) == [f"{where}: width 1x, designed 4x", f"{where}: runs at 4xSDR, below 4xEDR"]
    del node.ports[1]
    assert link_problems(case, obs) == [f"{where}: no link; designed to {case.expect['peer']} "
                                        f"{case.expect['peer_port']} (IB port 1)"]
    obs.nodes.pop(case.expect["guid"])
    gone = f"{case.device} (GUID {case.expect['guid']}) is not in the fabric (ibnetdiscover)"
    assert link_problems(case, obs) == [gone]


def test_a_designed_rate_above_the_simulator_is_capped_and_said() -> None:
    fab = fabric()
    case = next(c for c in ib_links(fab) if c.device == "su1-leaf-rail0")
    case.expect["rate"] = 400  # NDR, which ibsim cannot run: the twin is held to its top speed
    obs = observe(recorded_runner(), fab, "HDR")
    obs.nodes[case.expect["guid"]].ports[case.expect["num"]].speed = "EDR"
    (msg,) = link_problems(case, obs)
    assert msg.endswith("runs at 4xEDR, below 4xHDR (designed NDR; the simulator stops at HDR)")


def test_subnet_manager_faults() -> None:
    fab = fabric()
    master, standby = ib_subnet_managers(fab)
    assert master.expect["role"] == "master" and master.expect["priority"] == 15
    run = recorded_runner()
    obs = observe(run, fab, "HDR")
    obs.master = (1, "0x02a1dc1edfebb1f1", 14, "SMINFO_MASTER")  # the standby took over
    assert sm_problems(master, obs) == [
        f"{master.device} {master.port}: the master SM is GUID 0x02a1dc1edfebb1f1, designed {master.expect['guid']} "
        "(priority 15)"
    ]
    obs.master = (1, master.expect["guid"], 3, "SMINFO_DISCOVERING")
    assert sm_problems(master, obs) == [f"{master.device} {master.port}: SM state SMINFO_DISCOVERING, designed master",
                                        f"{master.device} {master.port}: master SM priority 3, designed 15"]
    obs.master = None
    assert sm_problems(master, obs) == [f"{master.device} {master.port}: no master subnet manager answers (sminfo)"]
    # the standby's opensm is gone: its port answers no SMInfo
    obs = observe(recorded_runner(fail={"sminfo-12.txt"}), fab, "HDR")
    (msg,) = sm_problems(standby, obs)
    assert msg.startswith(f"{standby.device} {standby.port}: no standby subnet manager on LID 12 ") and "mad_rpc" in msg
    obs = observe(recorded_runner({"sminfo-12.txt": "sminfo: sm lid 12 sm guid 0x2a1dc1edfebb1f1, activity count 9 "
                                                    "priority 2 state 2 SMINFO_STANDBY\n"}), fab, "HDR")
    assert sm_problems(standby, obs) == [f"{standby.device} {standby.port}: standby SM priority 2, designed 14"]
    obs = observe(recorded_runner({"sminfo-12.txt": "no answer\n"}), fab, "HDR")
    assert "no SMInfo answer" in sm_problems(standby, obs)[0]
    standby.expect["guid"] = "0x0000000000000bad"
    assert sm_problems(standby, obs) == [
        f"{standby.device} {standby.port}: port GUID 0x0000000000000bad of the standby SM is not in the fabric"
    ]


def test_partition_faults() -> None:
    fab = fabric()
    cases = {(c.device, c.port): c for c in ib_partition_ports(fab)}
    obs = observe(recorded_runner(), fab, "HDR")
    case = next(c for c in cases.values() if any(p != 0x7FFF for p in c.expect["pkeys"]))
    lid = obs.lid_of(case.expect["guid"])
    tenant = next(p for p in case.expect["pkeys"] if p != 0x7FFF)
    name = ib_part_name(fab, tenant)
    assert name != f"{tenant:#06x}", "a designed partition has its name"
    assert ib_part_name(fab, 0x0123) == "0x0123"
    where = f"{case.device} {case.port}"
    table = (REC / f"pkeys-{lid}.txt").read_text()
    full = f"{0x8000 | tenant:#06x}"
    assert full in table
    got = partition_problems(case, observe(recorded_runner({f"pkeys-{lid}.txt": table.replace(full, "0x0000")}),
                                           fab, "HDR"))
    assert got == [f"{where}: not a member of partition {name} ({tenant:#06x}); designed full"]
    got = partition_problems(case, observe(recorded_runner({f"pkeys-{lid}.txt": table.replace(full, f"{tenant:#06x}")}),
                                           fab, "HDR"))
    assert got == [f"{where}: limited member of partition {name} ({tenant:#06x}); designed full"]
    other = table.replace("0x0000", "0x8abc", 1)
    got = partition_problems(case, observe(recorded_runner({f"pkeys-{lid}.txt": other}), fab, "HDR"))
    assert got == [f"{where}: member of partition 0x0abc, which the design does not give it"]
    got = partition_problems(case, observe(recorded_runner(fail={f"pkeys-{lid}.txt"}), fab, "HDR"))
    assert got[0].startswith(f"{where}: cannot read the partition table (LID {lid}): smpquery pkeys {lid}: exit 255")


def test_a_failed_discovery_is_an_error_not_a_crash() -> None:
    fab = fabric()
    obs = observe(recorded_runner(fail={"ibnetdiscover.txt"}), fab, "HDR")
    assert obs.error is not None and obs.error.startswith("ibnetdiscover failed: ibnetdiscover: exit 255")
    assert obs.nodes == {} and obs.master is None
    obs = observe(recorded_runner(fail={"sminfo.txt"}), fab, "HDR")
    assert obs.error is None and obs.master is None and obs.nodes


def test_without_infiniband_there_are_no_cases() -> None:
    from tests import recorded

    eth = recorded.fabric()
    assert ib_links(eth) == [] and ib_subnet_managers(eth) == [] and ib_partition_ports(eth) == []


class Sessions:
    """The check run's sessions (``toolkit.session.Sessions``' two methods the IB runner uses)."""

    def __init__(self, kind: str, state_dir: Path) -> None:
        self.kind, self.state_dir = kind, state_dir
        self.ran: list[tuple[str, str, float]] = []
        self.target = self

    def spec(self) -> TargetSpec:
        return TargetSpec(kind=self.kind, name=self.kind, cluster="ibrec", state_dir=str(self.state_dir),  # type: ignore[arg-type]
                          network_mode="netplan")

    def privileged(self, command: str) -> str:
        return f"sudo -n {command}"

    def check_output(self, device: str, command: str, timeout: float) -> str:
        self.ran.append((device, command, timeout))
        return (REC / "sminfo.txt").read_text()


def test_where_the_tools_run(tmp_path: Path) -> None:
    fab = fabric()
    real = Sessions("inventory", tmp_path)
    got = runner_for(real, fab)
    assert not isinstance(got, str)
    run, cap = got
    assert cap is None, "real hardware: no simulator speed cap"
    assert parse_sminfo(run(["sminfo", "1"], 15)) is not None
    master = next(s for s in fab.infiniband.subnet_managers if s.role == "master")  # type: ignore[union-attr]
    assert real.ran == [(master.device, "sudo -n sminfo 1", 15)], "on the master SM host, privileged"
    assert ssh_runner(real, "x")(["smpquery", "pkeys", "4"], 5) and real.ran[-1][1] == "sudo -n smpquery pkeys 4"
    lab = Sessions("lab", tmp_path)
    msg = runner_for(lab, fab)
    assert msg == f"the lab of {fab.name} has no InfiniBand twin (aidc lab up of an InfiniBand spec starts it)"
    assert twin_runner("ibrec", tmp_path) is None
    with pytest.raises(TargetError, match="no InfiniBand twin of 'ibrec'"):
        IbLabTarget.from_spec(lab.spec(), fab)
    nosm = fabric()
    assert nosm.infiniband is not None
    standbys = [s for s in nosm.infiniband.subnet_managers if s.role != "master"]
    nosm = nosm.model_copy(update={"infiniband": nosm.infiniband.model_copy(update={"subnet_managers": standbys})})
    assert runner_for(real, nosm) == "the design places no subnet manager host to run the diagnostics on"


def test_the_twin_target_has_no_ssh_devices(tmp_path: Path) -> None:
    from toolkit.lab import ib as twin

    folder = twin.twin_folder("ibrec", tmp_path)
    folder.mkdir(parents=True)
    twin.IbTwinState(cluster="ibrec", folder=str(folder), sockname="aidc-ib-ibrec", attach="x").save()
    t = IbLabTarget("ibrec", tmp_path)
    assert t.devices() == {} and t.ansible_ssh() == {} and t.spec().impl == "toolkit.health.ib:IbLabTarget"
    got = twin_runner("ibrec", tmp_path)
    assert got is not None and got[1] == twin.SIM_MAX_SPEED
