"""plan and apply end to end on recorded devices (tests/recorded.py); no root, no network.

The switches get their rendered network.json: the recorded state is what the lab's apply made
of it, so the FRR driver's reconcile finds nothing to change (a test that needs the network step
to run adds a difference, ``with_network_change``); what the commands and FRR do is the lab
tests' subject; here it is the engine: what is planned,
applied, recorded, restored and audited.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests import recorded
from toolkit.drivers import frr as frr_mod
from toolkit.netstate import NetIntent, intent_json
from toolkit.plan import ApplyLockedError, format_apply, format_plan, plan, plan_exit_code
from toolkit.plan import apply as do_apply
from toolkit.plan.desired import artifact_paths, desired_state, host_sysctl_keys, state_sysctl_keys
from toolkit.plan.diff import redact, redact_line, unified
from toolkit.plan.store import ApplyError, TargetStore

SWITCHES = ("leaf", "vtep", "spine")


@pytest.fixture(autouse=True)
def _frr_reload_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frr_mod, "FRR_RELOAD", "frr-reload.py")


@pytest.fixture
def target(tmp_path: Path) -> recorded.RecordedTarget:
    t = recorded.RecordedTarget(recorded.fabric(), tmp_path)
    for acc in t.devices().values():
        if acc.kind == "switch":
            d = Path(acc.frr_rundir)
            d.mkdir(parents=True)
            for daemon in acc.frr_daemons:
                (d / f"{daemon}.pid").write_text(f"{os.getpid()}\n")
    return t


def artifacts(**frr_extra: str) -> dict[str, str]:
    arts = recorded.artifacts()
    for role in SWITCHES:
        name = recorded.device(role)
        if role in frr_extra:
            arts[f"switches/{name}/frr.conf"] += frr_extra[role]
    return arts


def with_network_change(arts: dict[str, str], device: str) -> dict[str, str]:
    """``arts`` where ``device``'s designed state differs from the recording (an alias on lo):
    its network step runs a script (``aidc-network.sh``); the stand-in's state does not change."""
    key = f"switches/{device}/network.json"
    intent = NetIntent.model_validate_json(arts[key])
    intent.links["lo"] = intent.links["lo"].model_copy(update={"alias": "changed", "manage_alias": True})
    return {**arts, key: intent_json(intent)}


def switches() -> list[str]:
    return [recorded.device(r) for r in SWITCHES]


def test_desired_state_names_the_driver_files(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    desired, skipped = desired_state(fab, artifacts(), target)
    assert set(desired) == set(target.devices()) and len(skipped) == len(fab.devices) - 4
    leaf = desired[recorded.device("leaf")]
    assert set(leaf.files) == {"frr.conf", "network.json"} and leaf.error is None
    server = desired[recorded.device("server")]
    assert set(server.files) == {"host_vars.yml"}
    assert artifact_paths("x", "switch", "no-such-os") == {}
    keys = state_sysctl_keys(server, None)
    assert "net.ipv4.conf.all.rp_filter" in keys
    assert host_sysctl_keys("aidc_sysctl: {a: 1}", "not: [yaml", None, "aidc_sysctl: {b: 2, a: 1}") == ["a", "b"]
    missing = dict(artifacts())
    del missing[f"switches/{recorded.device('leaf')}/frr.conf"]
    d2, _ = desired_state(fab, missing, target)
    assert "missing rendered artifact(s)" in (d2[recorded.device("leaf")].error or "")


def test_first_plan_creates_everything_and_reads_running(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    p = plan(fab, artifacts(), target)
    assert {d.device: d.status for d in p.devices} == {n: "create" for n in target.devices()}
    assert p.exit_code == plan_exit_code(p) == 2
    vtep = next(d for d in p.devices if d.device == recorded.device("vtep"))
    assert vtep.running is not None and vtep.running.readable and vtep.running.matches_applied is None
    # the rendered frr.conf is in the form FRR prints back: the running config recorded from the
    # real twin (FRR 8.4.4) is the desired one, line for line; a differing line shows in the diff
    assert vtep.running.diff == "", vtep.running.diff
    p2 = plan(fab, artifacts(vtep="ip prefix-list AIDC-X seq 5 permit 10.0.0.0/8\n"), target)
    vtep2 = next(d for d in p2.devices if d.device == recorded.device("vtep"))
    assert vtep2.running is not None and vtep2.running.diff.startswith("--- running/"), "running FRR vs desired"
    assert "+ip prefix-list AIDC-X seq 5 permit 10.0.0.0/8" in vtep2.running.diff.splitlines()
    text = format_plan(p, "text")
    assert "create" in text and recorded.device("vtep") in text
    data = json.loads(format_plan(p, "json"))
    assert data["target"] == "recorded" and len(data["devices"]) == 4
    md = format_plan(p, "markdown")
    assert md.startswith("#") or "|" in md
    with pytest.raises(ValueError):
        format_plan(p, "yaml")


def test_apply_records_then_nothing_changes(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    events: list[str] = []
    res = do_apply(
        fab, artifacts(), target, progress=lambda ev: events.append(f"{ev.device}:{ev.event}"), devices=switches()
    )
    assert res.ok and {d.status for d in res.devices} == {"changed"}
    # issue #12: frr-reload --test lists two no-op lines on every switch ("+ router bgp N",
    # "+ no bgp ebgp-requires-policy"); the count is what changed in the running config (the
    # stand-in's does not change)
    assert {d.message for d in res.devices} == {"0 config line(s) changed"}
    assert all(d.frr_changes == [] for d in res.devices)
    assert all(d.applied_advanced for d in res.devices)
    assert sorted(e for e in events if e.endswith(":changed")) == sorted(f"{n}:changed" for n in switches())
    for name in switches():
        # the recorded interfaces are the designed ones: the network step changes nothing
        cmds = target.opened[name].commands()
        assert len(cmds) == 1 and cmds[0].startswith("frr-reload.py --reload"), cmds
    store = TargetStore(target.root)
    rec = store.record(recorded.device("vtep"))
    assert rec is not None and rec.running_fingerprint
    assert "apply" in format_apply(res, "text").lower() or recorded.device("vtep") in format_apply(res, "text")
    again = do_apply(fab, artifacts(), target, devices=switches())
    assert {d.status for d in again.devices} == {"unchanged"}
    p = plan(fab, artifacts(), target)
    statuses = {d.device: d.status for d in p.devices}
    assert all(statuses[n] == "unchanged" for n in switches())
    assert statuses[recorded.device("server")] == "create"
    audit = store.audit()
    assert [a["result"] for a in audit] == ["ok", "ok"]
    assert set(audit[0]["devices"]) == set(switches())


def test_a_changed_config_is_an_update_with_a_diff(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    assert do_apply(fab, artifacts(), target, devices=switches()).ok
    extra = "ip prefix-list AIDC-T seq 5 permit 10.98.0.0/16\n"
    p = plan(fab, artifacts(leaf=extra), target)
    leaf = next(d for d in p.devices if d.device == recorded.device("leaf"))
    assert leaf.status == "update"
    frr = next(f for f in leaf.files if f.name == "frr.conf")
    assert frr.status == "modified" and frr.added == 1 and "+" + extra.strip() in frr.diff


def test_a_failed_reload_is_restored_and_not_recorded(tmp_path: Path) -> None:
    fab = recorded.fabric()
    vtep = recorded.device("vtep")
    t = recorded.RecordedTarget(fab, tmp_path, fail={vtep: r"--reload .*aidc-intended\.conf"})
    for acc in t.devices().values():
        if acc.kind == "switch":
            Path(acc.frr_rundir).mkdir(parents=True)
            for daemon in acc.frr_daemons:
                (Path(acc.frr_rundir) / f"{daemon}.pid").write_text(f"{os.getpid()}\n")
    res = do_apply(fab, artifacts(), t, devices=switches())
    by = {d.device: d for d in res.devices}
    assert by[vtep].status == "restored" and not by[vtep].applied_advanced
    assert "frr-reload failed" in (by[vtep].error or "")
    assert not res.ok and res.exit_code != 0
    store = TargetStore(t.root)
    assert store.record(vtep) is None
    assert all(store.record(n) is not None for n in switches() if n != vtep)
    assert store.audit()[-1]["result"] == "failed"
    assert store.audit()[-1]["devices"][vtep]["status"] == "restored"


def test_unreachable_devices_are_named(tmp_path: Path) -> None:
    fab = recorded.fabric()
    leaf = recorded.device("leaf")
    t = recorded.RecordedTarget(fab, tmp_path, unreachable={leaf})
    p = plan(fab, artifacts(), t)
    d = next(x for x in p.devices if x.device == leaf)
    assert d.running is not None and not d.running.readable and "cannot connect" in (d.running.error or "")
    # issue #12: an unreachable device makes the plan incomplete (exit 1), and it is named
    assert p.exit_code == 1
    assert [e for e in p.errors if e.startswith(f"{leaf}: unreachable")], p.errors
    assert "1 error(s)" in format_plan(p, "text") and f"error: {leaf}: unreachable" in format_plan(p, "text")
    res = do_apply(fab, artifacts(), t, devices=[leaf])
    assert res.devices[0].status == "failed" and "unreachable, nothing changed" in (res.devices[0].error or "")


def test_a_failing_host_playbook_restores_the_server(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    server = recorded.device("server")
    res = do_apply(fab, artifacts(), target, devices=[server], host_playbook="no-such-playbook.yml")
    d = res.devices[0]
    assert d.status == "restored" and "ansible" in (d.error or "")
    assert target.opened[server].commands() == [], "nothing differed from the backup: nothing to put back"


def test_apply_refuses_a_foreign_fabric_and_unknown_devices(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    with pytest.raises(ApplyError, match="not devices of target"):
        do_apply(fab, artifacts(), target, devices=["nope"])
    other = fab.model_copy(update={"name": "other"})
    with pytest.raises(ApplyError, match="the Fabric is 'other'"):
        do_apply(other, artifacts(), target)
    assert plan(other, artifacts(), target).errors


def test_a_second_apply_is_refused_while_one_runs(target: recorded.RecordedTarget) -> None:
    fab = recorded.fabric()
    store = TargetStore(target.root)
    with store.lock(), pytest.raises(ApplyLockedError, match="locked by"):
        do_apply(fab, artifacts(), target, devices=switches())
    assert store.audit()[-1]["result"] == "refused"


def test_diff_helpers_redact_secrets() -> None:
    d, a, r = unified("a\nb\n", "a\nc\n", "old", "new")
    assert (a, r) == (1, 1) and d.startswith("--- old\n+++ new\n")
    assert unified("x\n", "x\n", "o", "n") == ("", 0, 0)
    assert "s3cret" not in redact_line(" neighbor 10.0.0.1 password s3cret")
    assert "s3cret" not in redact("router bgp 1\n neighbor x password s3cret\n")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_during_a_push_restores_that_switch_and_starts_no_other(
    target: recorded.RecordedTarget, sig: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: SIGTERM / SIGINT reach this process (a supervisor, Ctrl-C) while the network
    commands of the first switch run: that switch is restored, no other switch starts, the audit
    line says interrupted with every device's status, the exit code is 143 / 130."""
    fab = recorded.fabric()
    first, *others = switches()
    arts = with_network_change(artifacts(), first)
    real_run = recorded.RecordedDevice.run

    def run(self: recorded.RecordedDevice, command: str, **kw: object) -> object:
        if "aidc-network.sh" in command:
            os.kill(os.getpid(), signal.Signals[sig])
            time.sleep(0.5)
        return real_run(self, command, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(recorded.RecordedDevice, "run", run)
    before = signal.getsignal(signal.Signals[sig])
    res = do_apply(fab, arts, target, devices=switches(), workers=1)
    assert signal.getsignal(signal.Signals[sig]) is before, "the previous handler is back"
    assert res.interrupted == sig and res.exit_code == 128 + signal.Signals[sig] and not res.ok
    by = {d.device: d for d in res.devices}
    assert by[first].status == "restored" and f"interrupted by {sig}" in (by[first].error or "")
    assert all(by[o].status == "skipped" and "not started" in by[o].message for o in others)
    assert all(target.opened.get(o) is None for o in others), "no session to a device after the signal"
    store = TargetStore(target.root)
    assert all(store.record(n) is None for n in switches())
    line = store.audit()[-1]
    assert line["result"] == "interrupted" and line["interrupted"] == sig
    assert {n: v["status"] for n, v in line["devices"].items()} == {first: "restored", **{o: "skipped" for o in others}}
    assert f"INTERRUPTED by {sig}" in format_apply(res, "text")


FRR_OUT = Path(__file__).resolve().parents[1] / "fixtures" / "frr-reload"
"""Output of FRR 8.4.4 on a lab leaf (frr-reload.py --reload / --test, vtysh show running-config)."""


def test_a_config_the_daemons_refuse_is_restored_and_not_recorded(
    target: recorded.RecordedTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: bgpd refuses a line at reload (an invalid prefix-list range: frr-reload exits 0);
    the read-back after the push (frr-reload --test once more, as the real FRR printed it) still
    lists the line: the switch is restored, the record does not advance, the exit code is 1."""
    fab = recorded.fabric()
    leaf = recorded.device("leaf")
    monkeypatch.setenv("AIDC_STUB_FRR_TEST", str(FRR_OUT / "test-after-refused-reload.txt"))
    res = do_apply(fab, artifacts(), target, devices=[leaf])
    d = res.devices[0]
    assert d.status == "restored" and not d.applied_advanced and res.exit_code == 1, format_apply(res)
    assert "+ ip prefix-list AIDCBAD seq 5 permit 10.0.0.0/16 ge 8" in (d.error or "")
    assert "no bgp ebgp-requires-policy" not in (d.error or ""), "a no-op line is not a difference"
    assert TargetStore(target.root).record(leaf) is None
    # FRR's own no-op lines after a good reload are no difference: applied and recorded
    monkeypatch.setenv("AIDC_STUB_FRR_TEST", str(FRR_OUT / "test-after-reload.txt"))
    ok = do_apply(fab, artifacts(), target, devices=[leaf])
    assert ok.ok and ok.devices[0].status == "changed", format_apply(ok)
    assert TargetStore(target.root).record(leaf) is not None


def test_a_lost_session_during_the_push_reconnects_and_restores(
    target: recorded.RecordedTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: the session dies while the network commands run (the stand-in drops it as a
    killed sshd would): apply opens a new session, restores the switch through it, and says so
    in plain words; nothing is recorded."""
    fab = recorded.fabric()
    leaf = recorded.device("leaf")
    real_run = recorded.RecordedDevice.run
    dropped: list[str] = []

    def run(self: recorded.RecordedDevice, command: str, **kw: object) -> object:
        if "aidc-network.sh" in command and not dropped:
            dropped.append(command)
            self.opened = False
            raise frr_mod.DriverError(f"{self.access.name}: the SSH connection was lost during `if`")
        return real_run(self, command, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(recorded.RecordedDevice, "run", run)
    first = {}
    real_open = target.open

    def opening(device: str, **kw: object) -> recorded.RecordedDevice:
        s = real_open(device, **kw)
        first.setdefault(device, s)
        return s

    monkeypatch.setattr(target, "open", opening)
    res = do_apply(fab, with_network_change(artifacts(), leaf), target, devices=[leaf])
    d = res.devices[0]
    assert dropped and d.status == "restored" and not d.applied_advanced, format_apply(res)
    assert f"the SSH connection to {leaf} was lost during the push" in (d.error or "")
    assert d.message == "reconnected and restored to the previous configuration"
    assert target.opened[leaf] is not first[leaf], "the restore ran on a new session"
    assert TargetStore(target.root).record(leaf) is None
