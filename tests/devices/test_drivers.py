"""The FRR and Linux drivers on recorded devices (tests/recorded.py: real command lines, a real
shell, the outputs the lab's FRR and iproute2 printed). No root needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import recorded
from toolkit import netstate as ns
from toolkit.drivers import driver_for, driver_ref, load, open_driver, switch_platforms_with_driver
from toolkit.drivers import frr as frr_mod
from toolkit.drivers.frr import (
    FrrDriver,
    frr_errors,
    frr_reload_command,
    frr_test_changes,
    normalize_frr,
    vtysh_command,
)
from toolkit.drivers.linux import LinuxDriver, net_commands
from toolkit.drivers.state import Backup, DriverError, RunningState
from toolkit.netstate import DcbIntent, LinkIntent, NetIntent, intent_json
from toolkit.session import DeviceError


@pytest.fixture(autouse=True)
def _frr_reload_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorded device answers ``frr-reload.py`` from its PATH (the real one is absolute)."""
    monkeypatch.setattr(frr_mod, "FRR_RELOAD", "frr-reload.py")


@pytest.fixture
def target(tmp_path: Path) -> recorded.RecordedTarget:
    return recorded.RecordedTarget(recorded.fabric(), tmp_path)


def drv(target: recorded.RecordedTarget, role: str) -> LinuxDriver:
    return open_driver(target, recorded.device(role))


def snap(role: str) -> ns.NetSnapshot:
    return recorded.snapshot(role)


def routed_port(d: LinuxDriver) -> str:
    """A port of the recorded device with an address (names follow the platform's scheme)."""
    snap = recorded.snapshot(next(r for r in ("leaf", "vtep", "spine") if recorded.device(r) == d.access.name))
    return min(n for n, i in snap.interfaces.items() if i.kind == "veth" and i.addresses and n != "eth0")


def live_daemons(d: LinuxDriver) -> None:
    """Pid files of every FRR daemon naming a live process (this one)."""
    pid_dir = Path(d.access.frr_rundir)
    pid_dir.mkdir(parents=True, exist_ok=True)
    for daemon in d.access.frr_daemons:
        (pid_dir / f"{daemon}.pid").write_text(f"{os.getpid()}\n")


def test_registry_of_drivers() -> None:
    assert driver_for("frr") is FrrDriver and driver_for("linux") is LinuxDriver
    assert driver_for("no-such-os") is None and driver_for("infiniband") is None
    assert load(driver_ref("frr") or "") is FrrDriver
    from toolkit.drivers.eos import EosDriver

    assert driver_for("eos") is EosDriver
    assert set(switch_platforms_with_driver()) >= {"frr", "eos"}


def test_read_running_of_a_switch(target: recorded.RecordedTarget) -> None:
    with drv(target, "vtep") as d:
        assert isinstance(d, FrrDriver)
        run = d.read_running()
    assert run.frr == normalize_frr(recorded.text("vtep", "show-running-config.txt"))
    assert run.frr.startswith("hostname ") or "\nhostname " in run.frr
    assert "frr version" not in run.frr and "Building configuration" not in run.frr
    assert run.net.canonical() == snap("vtep").canonical()
    assert target.opened[recorded.device("vtep")].opened is False, "closed by the with block"


def test_read_running_of_a_server(target: recorded.RecordedTarget) -> None:
    with drv(target, "server") as d:
        assert type(d) is LinuxDriver
        run = d.read_running(["net.ipv4.conf.all.rp_filter"])
    assert run.frr is None and run.net.canonical() == snap("server").canonical()
    assert run.fingerprint() == RunningState(net=snap("server")).fingerprint()


@pytest.mark.parametrize(
    ("role", "command", "problem"),
    [
        ("vtep", "vtysh -c 'show running-config'", "vtysh gave no running config"),
        ("leaf", "ip -j addr show", "cannot read the interface state"),
    ],
)
def test_a_failing_read_is_a_driver_error(
    target: recorded.RecordedTarget, role: str, command: str, problem: str
) -> None:
    d = drv(target, role)
    assert isinstance(d.session, recorded.RecordedDevice)
    d.session.rc = {command: 1}
    with pytest.raises(DriverError, match=problem):
        d.read_running()


def test_backup_prepare_and_the_pending_lines(target: recorded.RecordedTarget) -> None:
    d = drv(target, "vtep")
    assert isinstance(d, FrrDriver)
    b = d.backup()
    assert b.device == recorded.device("vtep") and b.previous_network is None
    assert d.session.read_file(d.path(frr_mod.BACKUP)) == b.running.frr
    arts = recorded.artifacts()
    files = {n: arts[f"switches/{b.device}/{n}"] for n in ("frr.conf", "network.json")}
    lines = d.prepare(files)
    assert d.network_plan().commands == [], "the recorded state is the designed one"
    assert d.session.read_file(d.path(frr_mod.INTENDED)) == files["frr.conf"]
    # what frr-reload.py --test printed for the rendered config against the running one: the
    # two lines it always reports (issue #12: "2 FRR lines changed" when nothing changed)
    assert lines == [x for x in lines if x.startswith("+ ")] and len(lines) == 2
    assert any(x.startswith("+ router bgp") for x in lines)
    b2 = d.backup()
    assert b2.previous_network == files["network.json"]


def test_rejected_config_stops_before_anything_runs(target: recorded.RecordedTarget) -> None:
    d = drv(target, "vtep")
    assert isinstance(d, FrrDriver) and isinstance(d.session, recorded.RecordedDevice)
    d.session.rc = {"frr-reload.py --test": 1}
    with pytest.raises(DriverError, match="intended FRR config rejected"):
        d.prepare({"frr.conf": "hostname x\n", "network.json": "{}"})
    assert d.session.commands() == []


def test_a_designed_port_the_box_lacks_or_a_bad_state_stops_prepare(target: recorded.RecordedTarget) -> None:
    d = drv(target, "vtep")
    assert isinstance(d, FrrDriver) and isinstance(d.session, recorded.RecordedDevice)
    with pytest.raises(DriverError, match=r"network\.json is not an interface state"):
        d.prepare({"frr.conf": "hostname x\n", "network.json": '{"links": {"swp1": {"mtu": "big"}}}'})
    missing = intent_json(NetIntent(links={"swp99": LinkIntent(mtu=9216, up=True)}))
    with pytest.raises(DriverError, match="swp99: no such interface on the device"):
        d.prepare({"frr.conf": "hostname x\n", "network.json": missing})
    assert d.session.commands() == []


def test_activate_runs_the_reconciled_commands_then_reloads(target: recorded.RecordedTarget) -> None:
    """The commands come from the recorded state and the designed one (computed here, run on the
    device as one script): an MTU, a bridge port's learning, a stale tenant bridge, a sysctl."""
    d = drv(target, "leaf")
    assert isinstance(d, FrrDriver) and isinstance(d.session, recorded.RecordedDevice)
    live_daemons(d)
    port = routed_port(d)
    intent = NetIntent(
        links={port: LinkIntent(mtu=9000, up=True), "swp99": LinkIntent(up=False, optional=True)},
        sysctl={"net.ipv4.ip_forward": "0"},
        dcb={port: DcbIntent(pfc=[3])},
        route_tables=[],
        rules_owned="designed",
    )
    d.prepare({"frr.conf": "hostname leaf\n", "network.json": intent_json(intent)})
    d.activate()
    assert d.session.commands() == [
        f"ip link set dev {port} mtu 9000",
        "sysctl -q -w net.ipv4.ip_forward=0",
        f"frr-reload.py --reload --stdout --confdir {d.access.frr_confdir} {d.path(frr_mod.INTENDED)}",
    ]
    script = d.session.read_file(d.path(frr_mod.NETWORK_SCRIPT)) or ""
    assert f"ip link set dev {port} mtu 9000 || {{" in script and "exit 1; }" in script
    assert d.network_notes == (f"no DCB support, RoCE QoS left to the driver on: {port}",)
    # the stand-in's state does not change: the read-back names what is still to run
    problems = d.verify({}, d.read_running())
    assert problems and f"ip link set dev {port} mtu 9000" in problems[0]


def test_a_failing_network_command_is_an_error_and_stops_the_script(target: recorded.RecordedTarget) -> None:
    d = drv(target, "leaf")
    assert isinstance(d, FrrDriver) and isinstance(d.session, recorded.RecordedDevice)
    port = routed_port(d)
    intent = NetIntent(
        links={port: LinkIntent(mtu=9000, alias="x", manage_alias=True)}, route_tables=[], rules_owned="designed"
    )
    d.prepare({"frr.conf": "hostname leaf\n", "network.json": intent_json(intent)})
    d.session.fail = "mtu 9000"
    with pytest.raises(DriverError, match=r"network commands failed \(1\):.*refused by the stand-in"):
        d.run_network()
    assert not any("alias" in c for c in d.session.commands()), "nothing runs after the failed command"


def test_dead_daemons_are_started_again(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    name = recorded.device("leaf")
    pid_dir = Path(target.device(name).frr_rundir)
    pid_dir.mkdir(parents=True)
    (pid_dir / "zebra.pid").write_text(f"{os.getpid()}\n")
    (pid_dir / "bgpd.pid").write_text("999999999\n")  # no such process
    start = {d: f"echo $PPID > {pid_dir}/{d}.pid; echo started {d} >> {pid_dir}/log" for d in ("bgpd", "staticd")}
    target._devices[name] = target.device(name).model_copy(update={"frr_start": start})
    d = open_driver(target, name)
    assert isinstance(d, FrrDriver)
    assert d.dead_daemons() == ["bgpd", "staticd"]
    d.prepare({"frr.conf": "hostname leaf\n", "network.json": "{}"})
    d.reload_frr()
    assert (pid_dir / "log").read_text().splitlines() == ["started bgpd", "started staticd"]
    assert d.dead_daemons() == []
    assert sum("--reload" in c for c in d.session.commands()) == 2, "reloaded once more after the restart"
    assert fab.name == target.cluster


def test_a_real_switch_restarts_the_frr_service(target: recorded.RecordedTarget) -> None:
    d = drv(target, "spine")
    assert isinstance(d, FrrDriver) and isinstance(d.session, recorded.RecordedDevice)
    d.revive(["bgpd"])
    assert d.session.commands() == ["systemctl restart frr"]


def test_restore_of_an_unchanged_device_does_nothing(target: recorded.RecordedTarget) -> None:
    d = drv(target, "vtep")
    b = d.backup()
    rep = d.restore(b)
    assert rep.ok and rep.errors == []
    assert [s.detail for s in rep.steps] == ["already as before"]
    assert isinstance(d.session, recorded.RecordedDevice) and d.session.commands() == []


def test_restore_runs_the_reconciler_as_a_script(target: recorded.RecordedTarget) -> None:
    """The backup differs from what the device runs: the generated restore script runs the
    reconciler's commands; the stand-in does not change its state, so verification fails."""
    d = drv(target, "vtep")
    assert isinstance(d, FrrDriver) and isinstance(d.session, recorded.RecordedDevice)
    live_daemons(d)
    running = d.read_running()
    before = running.model_copy(deep=True)
    p1 = sorted(n for n, i in running.net.interfaces.items() if n.startswith("swp") and i.addresses)[0]
    before.net.interfaces[p1].mtu = 1500
    before.frr = (running.frr or "") + "ip prefix-list X seq 5 permit 10.0.0.0/8\n"
    rep = d.restore(Backup(device=d.access.name, taken=0, running=before))
    expected = ns.reconcile(ns.intent_of(before.net), running.net).commands
    assert expected == [["ip", "link", "set", "dev", p1, "mtu", "1500"]]
    cmds = d.session.commands()
    assert cmds[0] == f"ip link set dev {p1} mtu 1500"
    assert cmds[1] == f"frr-reload.py --reload --stdout --confdir {d.access.frr_confdir} {d.path(frr_mod.BACKUP)}"
    assert d.session.read_file(d.path(frr_mod.BACKUP)) == before.frr
    assert [s.step for s in rep.steps] == ["network", "frr"] and all(s.ok for s in rep.steps)
    assert not rep.ok
    assert "interfaces differ from the backup after restore" in rep.errors
    assert "FRR running config differs from the backup after restore" in rep.errors


def test_restore_reports_a_refused_command(target: recorded.RecordedTarget) -> None:
    name = recorded.device("server")
    t = recorded.RecordedTarget(recorded.fabric(), target.work / "refuse", fail={name: r"mtu 1500"})
    d = open_driver(t, name)
    running = d.read_running()
    before = running.model_copy(deep=True)
    before.net.interfaces["cx0"].mtu = 1500
    rep = d.restore(Backup(device=name, taken=0, running=before))
    assert not rep.ok
    assert any(e.startswith("network restore: ") and "failed: ip link set dev cx0 mtu 1500" in e for e in rep.errors)
    assert "interfaces differ from the backup after restore" in rep.errors


def test_unreachable_device(target: recorded.RecordedTarget) -> None:
    t = recorded.RecordedTarget(recorded.fabric(), target.work / "u", unreachable={recorded.device("leaf")})
    with pytest.raises(DeviceError, match="cannot connect"):
        open_driver(t, recorded.device("leaf"))


def test_linux_driver_applies_nothing_itself(target: recorded.RecordedTarget) -> None:
    d = drv(target, "server")
    with pytest.raises(DriverError, match="configured by the host playbook"):
        d.prepare({})
    with pytest.raises(DriverError, match="configured by the host playbook"):
        d.activate()
    d.discard(d.backup())


def test_command_builders() -> None:
    a = recorded.RecordedTarget(recorded.fabric(), Path("/nonexistent")).device(recorded.device("leaf"))
    lab = a.model_copy(update={"frr_pathspace": "aidc-x-leaf", "frr_confdir": "/etc/frr"})
    assert vtysh_command(lab, "show run", "show bgp") == "vtysh -N aidc-x-leaf -c 'show run' -c 'show bgp'"
    assert vtysh_command(a.model_copy(update={"sudo": True}), "show run") == "sudo -n vtysh -c 'show run'"
    assert frr_reload_command(lab, "/etc/frr/aidc-x-leaf/c.conf", "--test") == (
        "frr-reload.py --test --stdout -N aidc-x-leaf --confdir /etc/frr /etc/frr/aidc-x-leaf/c.conf"
    )
    assert lab.workdir == "/etc/frr/aidc-x-leaf"
    assert set(net_commands(["net.ipv4.conf.cx0.rp_filter"])) == {"link", "addr", "route", "rule", "sysctl"}
    assert "net.ipv4.conf.cx0.rp_filter" in net_commands(["net.ipv4.conf.cx0.rp_filter"])["sysctl"]


def test_frr_output_parsers() -> None:
    changed = frr_test_changes(recorded.text("vtep", "frr-reload-test-changed.txt"))
    assert "+ ip prefix-list AIDC-REC seq 5 permit 10.99.0.0/16" in changed
    assert all(not x[2:].startswith("20") for x in changed), "log lines are not changes"
    assert frr_test_changes("no sections at all\n") == []
    assert frr_errors("ok\n% Unknown command: foo\nline\n") == "% Unknown command: foo"
    assert frr_errors("fine\n") == "fine\n"
    assert normalize_frr(
        "Building configuration...\n\nCurrent configuration:\n!\nfrr version 8.4\nhostname a\n!\n\n"
    ) == ("hostname a\n!\n")
    assert normalize_frr("") == ""


FRR_OUT = Path(__file__).resolve().parents[1] / "fixtures" / "frr-reload"
"""Output of FRR 8.4.4 on a lab leaf (frr-reload.py --reload / --test, vtysh show running-config)."""


def test_pending_differences_after_a_reload_as_frr_printed_them() -> None:
    """Issue #12: after a good reload frr-reload --test still lists `router bgp N` / `no bgp
    ebgp-requires-policy` (a default FRR does not print): no difference. After a reload whose
    prefix-list bgpd refused, the refused line is the one difference."""
    from toolkit.drivers.frr import normalize_frr, pending_differences, refusals

    good = normalize_frr((FRR_OUT / "running.txt").read_text())
    assert pending_differences((FRR_OUT / "test-after-reload.txt").read_text(), good) == []
    bad = normalize_frr((FRR_OUT / "running-after-refused-reload.txt").read_text())
    assert pending_differences((FRR_OUT / "test-after-refused-reload.txt").read_text(), bad) == [
        "+ ip prefix-list AIDCBAD seq 5 permit 10.0.0.0/16 ge 8"
    ]
    assert refusals((FRR_OUT / "reload-refused.txt").read_text()) == [
        "Invalid prefix range for 10.0.0.0/16: Make sure that mask length <= ge <= le"
    ]
    # a line the running config holds but the intended one does not, and a missing sub-line
    out = "\nLines To Delete\n===============\nip route 10.9.0.0/16 blackhole\n\nLines To Add\n============\n"
    out += "router bgp 4200110000\n neighbor swp9 interface peer-group fabric\n"
    assert pending_differences(out, good) == [
        "+ router bgp 4200110000 / neighbor swp9 interface peer-group fabric",
        "- ip route 10.9.0.0/16 blackhole",
    ]
