"""The commit-confirm protocol every vendor driver shares (``toolkit.drivers.confirm``), root-free.

The NOS here is ``TimerNos``: a STAND-IN written for this test (no vendor switch can run on
this machine), a few lines of Python modelling what EOS, NVUE and SONiC have in common: a running
configuration, a staged candidate, a commit that stays pending until it is confirmed and that
the device rolls back by itself when its timer expires (the test expires it on purpose). The
driver under test is ``ConfirmDriver`` with only the six NOS commands filled in, so what is tested
is the base class's decisions: when it confirms, when it refuses to, what it reports when the
device rolled back first or stopped answering, and how it restores.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from toolkit.drivers.confirm import DEFAULT_CONFIRM, ConfirmDriver, first_group
from toolkit.drivers.state import DriverError, RunningState
from toolkit.netstate import NetSnapshot
from toolkit.session import CommandResult
from toolkit.targets import DeviceAccess, Target


class TimerNos:
    """One device: ``running``, ``candidate``, a ``pending`` commit with what it replaced."""

    def __init__(self, running: str) -> None:
        self.running = running
        self.candidate: str | None = None
        self.before: str | None = None
        self.pending = False
        self.reachable = True
        self.refuse_confirm = False
        self.calls: list[str] = []

    def expire(self) -> None:
        """The device's commit timer ran out: back to the configuration before the commit."""
        assert self.pending and self.before is not None
        self.running, self.pending = self.before, False


class Shell:
    """The session the base class runs commands on (``ConfirmDriver.run``)."""

    def __init__(self, nos: TimerNos, rc: int = 0, output: str = "") -> None:
        self.nos = nos
        self.rc = rc
        self.output = output
        self.connected = True

    def run(self, command: str, *, timeout: float | None = None) -> CommandResult:
        self.nos.calls.append(f"run {command}")
        return CommandResult(command=command, rc=self.rc, stdout=self.output)

    def close(self) -> None:
        self.connected = False


class Target1(Target):
    kind = "inventory"

    def __init__(self, access: DeviceAccess, nos: TimerNos) -> None:
        self.name, self.cluster, self.network_mode = "inventory", "c1", "netplan"
        self.access, self.nos = access, nos
        self.opens = 0

    def devices(self) -> dict[str, DeviceAccess]:
        return {self.access.name: self.access}

    def ansible_ssh(self) -> dict[str, Any]:
        return {}

    def open(self, device: str, **_: Any) -> Shell:  # type: ignore[override]
        self.opens += 1
        if not self.nos.reachable:
            raise DriverError(f"{device}: cannot connect to admin@192.0.2.10:22: timed out")
        return Shell(self.nos)


class TimerDriver(ConfirmDriver):
    config_name = "test configuration"

    @property
    def nos(self) -> TimerNos:
        assert isinstance(self.target, Target1)
        return self.target.nos

    def read_config(self) -> str:
        self.nos.calls.append("read")
        if not self.nos.reachable:
            raise DriverError(f"{self.access.name}: the SSH connection was lost during `show`")
        return self.nos.running

    def stage(self, files: dict[str, str]) -> list[str]:
        self.nos.calls.append("stage")
        self.nos.candidate = files["config"]
        self.candidate = files["config"]
        return [f"+ {x}" for x in files["config"].splitlines() if x not in self.nos.running.splitlines()]

    def commit_with_timer(self, seconds: int) -> None:
        self.nos.calls.append(f"commit timer {seconds}")
        assert self.nos.candidate is not None
        self.nos.before, self.nos.running, self.nos.pending = self.nos.running, self.nos.candidate, True

    def commit_confirm(self) -> None:
        self.nos.calls.append("confirm")
        if self.nos.refuse_confirm or not self.nos.pending:
            raise DriverError(f"{self.access.name}: `commit` refused: % no pending commit")
        self.nos.pending = False

    def cancel_pending(self) -> None:
        self.nos.calls.append("cancel")
        if self.nos.pending:
            self.nos.expire()
        self.nos.candidate = None

    def replace_config(self, text: str) -> None:
        self.nos.calls.append("replace")
        self.nos.running = text


def access(**kw: Any) -> DeviceAccess:
    return DeviceAccess(name="leaf01", kind="switch", role="leaf", platform="eos", address="192.0.2.10",
                        user="admin", **kw)


def driver(running: str = "hostname leaf01\n", **kw: Any) -> tuple[TimerDriver, TimerNos, Target1]:
    nos = TimerNos(running)
    t = Target1(access(**kw), nos)
    d = TimerDriver.open_device(t, "leaf01", timeout=5)
    assert isinstance(d, TimerDriver)
    return d, nos, t


NEW = "hostname leaf01\nntp server 192.0.2.1\n"


def push(d: TimerDriver) -> None:
    """The engine's order (toolkit.drivers.state): prepare, activate, read back."""
    d.prepare({"config": NEW})
    d.activate()
    d.read_running()


def test_first_group_and_the_confirm_timeout() -> None:
    assert first_group(re.compile(r"rev-id: (\d+)"), "- rev-id: 7\n- rev-id: 6") == "7"
    assert first_group(re.compile(r"rev-id: (\d+)"), "no history") is None
    d, _nos, _t = driver()
    assert d.confirm_seconds == DEFAULT_CONFIRM == 300
    d2, nos2, _t2 = driver(confirm_timeout=45)
    assert d2.confirm_seconds == 45
    push(d2)
    assert "commit timer 45" in nos2.calls
    assert d2.deadline is not None and 40 < d2.deadline - time.time() <= 45


def test_a_healthy_push_is_confirmed_and_stays() -> None:
    d, nos, _t = driver()
    b = d.backup()
    assert b.device == "leaf01" and b.running.frr == "hostname leaf01\n"
    assert d.prepare({"config": NEW}) == ["+ ntp server 192.0.2.1"]
    assert nos.running == "hostname leaf01\n", "prepare changes nothing"
    d.activate()
    assert d.pending and nos.pending
    assert d.read_running().frr == NEW and d.read_back == NEW
    d.confirm()
    assert not d.pending and not nos.pending and nos.running == NEW
    assert nos.calls[-2:] == ["confirm", "read"], "confirmed, then read once more"


def test_read_running_outside_a_push_does_not_set_the_read_back() -> None:
    d, _nos, _t = driver()
    run = d.read_running(["net.ipv4.ip_forward"])
    assert run == RunningState(frr="hostname leaf01\n", net=NetSnapshot()) and d.read_back is None


def test_a_device_that_does_not_run_the_candidate_is_not_confirmed() -> None:
    d, nos, _t = driver()
    push(d)
    d.candidate = "hostname leaf01\nntp server 192.0.2.99\n"  # the device showed another candidate
    with pytest.raises(DriverError, match="does not run the configuration that was pushed"):
        d.confirm()
    assert "confirm" not in nos.calls and nos.pending, "no confirm was sent"


def test_a_timer_that_expired_before_the_confirm_is_a_failure() -> None:
    d, nos, _t = driver()
    push(d)
    nos.expire()  # the confirm comes too late: the device went back by itself
    with pytest.raises(DriverError, match=r"rolled the commit back before the confirm arrived.*300 s"):
        d.confirm()


def test_a_refused_confirm_on_an_unchanged_device_is_the_device_error() -> None:
    d, nos, _t = driver()
    push(d)
    nos.refuse_confirm = True  # still runs the push, but the confirm fails: not a rollback
    with pytest.raises(DriverError, match="% no pending commit"):
        d.confirm()


def test_a_rollback_after_a_confirm_that_seemed_to_work_is_a_failure() -> None:
    d, nos, _t = driver()
    push(d)

    def confirm_then_roll_back() -> None:  # the device accepted the confirm but then reverted
        TimerDriver.commit_confirm(d)
        nos.running = "hostname leaf01\n"

    d.commit_confirm = confirm_then_roll_back  # type: ignore[method-assign]
    with pytest.raises(DriverError, match="rolled the commit back"):
        d.confirm()


def test_restore_cancels_the_pending_commit() -> None:
    d, nos, _t = driver()
    b = d.backup()
    push(d)
    rep = d.restore(b)
    assert rep.ok and rep.errors == [] and nos.running == b.running.frr and not nos.pending
    assert [s.step for s in rep.steps] == ["rollback"]
    assert rep.message == "rolled back to the previous test configuration"
    assert "replace" not in nos.calls, "the cancel alone brought the backup back"


def test_restore_puts_the_backup_back_when_the_cancel_is_not_enough() -> None:
    d, nos, _t = driver()
    b = d.backup()
    push(d)
    d.confirm()  # already permanent: cancelling changes nothing, the backup must be committed
    rep = d.restore(b)
    assert rep.ok and [s.step for s in rep.steps] == ["rollback", "replace"]
    assert nos.running == b.running.frr


def test_restore_names_a_device_still_differing_from_the_backup() -> None:
    d, nos, _t = driver()
    b = d.backup()
    push(d)
    d.confirm()
    d.replace_config = lambda text: nos.calls.append("replace ignored")  # type: ignore[method-assign]
    rep = d.restore(b)
    assert not rep.ok and rep.errors == ["test configuration differs from the backup after restore"]
    assert rep.message is None


def test_restore_reports_a_failing_command() -> None:
    d, nos, _t = driver()
    b = d.backup()
    push(d)
    nos.reachable = False  # the session object still exists, but every read fails
    rep = d.restore(b)
    assert not rep.ok and "connection was lost" in rep.errors[0]


def test_a_lost_session_is_reopened_before_the_rollback() -> None:
    d, nos, t = driver()
    b = d.backup()
    push(d)
    d.conn.connected = False
    rep = d.restore(b)
    assert rep.ok and t.opens == 2 and [s.step for s in rep.steps] == ["reconnect", "rollback"]
    assert rep.message is not None and rep.message.startswith("the SSH session was lost during the push")
    assert nos.running == b.running.frr


def test_an_unreachable_device_rolls_back_by_its_own_timer() -> None:
    d, nos, _t = driver(confirm_timeout=120)
    b = d.backup()
    push(d)
    d.conn.connected = False
    nos.reachable = False
    rep = d.restore(b)
    assert not rep.ok and rep.pending_rollback
    assert rep.steps[0].step == "reconnect" and not rep.steps[0].ok
    assert d.deadline is not None
    at = time.strftime("%H:%M:%S UTC", time.gmtime(d.deadline))
    assert rep.message is not None and f"rolls it back by itself by {at} (commit timer 120 s)" in rep.message


def test_an_unreachable_device_without_a_commit_had_nothing_committed() -> None:
    d, nos, _t = driver()
    b = d.backup()
    d.prepare({"config": NEW})
    d.conn.connected = False
    nos.reachable = False
    rep = d.restore(b)
    assert not rep.ok and not rep.pending_rollback
    assert rep.message == "the device stopped answering; nothing was committed on it"


def test_discard_cancels_only_on_a_live_session() -> None:
    d, nos, _t = driver()
    b = d.backup()
    d.prepare({"config": NEW})
    d.discard(b)
    assert nos.calls[-1] == "cancel" and nos.candidate is None
    d.close()
    assert d.conn is None and not d.connected()
    d.discard(b)
    assert nos.calls[-1] == "cancel" and nos.calls.count("cancel") == 1


def test_run_raises_in_plain_words() -> None:
    d, _nos, _t = driver()
    d.conn.output = "% Invalid input\n"
    d.conn.rc = 1
    with pytest.raises(DriverError, match=r"`nv config replace` refused \(1\): % Invalid input"):
        d.run("nv config replace /tmp/x.yaml", what="nv config replace")
    assert d.run("false", check=False).rc == 1
    d.conn.rc = -1  # no exit status: the channel closed under the command
    with pytest.raises(DriverError, match="SSH connection was lost during `show version`"):
        d.run("show version")
    with d:
        pass
    with pytest.raises(DriverError, match="not connected"):
        d.run("show version")


def test_a_driver_needs_a_target_and_the_nos_commands() -> None:
    with pytest.raises(DriverError, match="no target to open a session with"):
        ConfirmDriver(access())
    nos = TimerNos("x\n")
    bare = ConfirmDriver(access(), target=Target1(access(), nos))
    calls = [bare.read_config, lambda: bare.stage({}), lambda: bare.commit_with_timer(1), bare.commit_confirm,
             bare.cancel_pending, lambda: bare.replace_config("")]
    for call in calls:
        with pytest.raises(NotImplementedError):
            call()
