"""The EOS driver (``toolkit.drivers.eos``) against a STAND-IN of the EOS CLI, root-free.

No EOS image can run here. ``EosCli`` below replaces ``toolkit.drivers.cli.CliChannel`` (the
netmiko channel) with a small model of what the driver relies on, in the formats of Arista's EOS
User Manual: ``show hostname`` (``Hostname: <name>`` / ``FQDN: ...``), ``show running-config``
(``! Command:`` / ``! device:`` banner, ``!`` separators, a final ``end``), configuration sessions
(``configure session <name>``, ``rollback clean-config``, ``show session-config [diffs]`` with
the ``--- system:/running-config`` / ``+++ session:/<name>-session-config`` header, ``commit
timer hh:mm:ss``, ``configure session <name> commit | abort``) and ``% Invalid input`` for a line
it refuses. The configuration is the one aidc renders for lab-mini's spine01 on EOS. What EOS
itself accepts is tested elsewhere (tests/vendor: Arista AVD); here: the command sequences the
driver sends, what it parses, and the decisions it takes.
"""

from __future__ import annotations

import difflib
from typing import Any

import pytest

from tests.devices.standin import push, push_then_restore, rendered
from toolkit.drivers import eos
from toolkit.drivers.eos import EosDriver, config_lines, diff_lines, normalize_eos, timer
from toolkit.drivers.state import DriverError
from toolkit.targets import DeviceAccess


def startup_config() -> str:
    return rendered("eos")["startup-config"]


def banner(kind: str, host: str) -> str:
    return (f"! Command: show {kind}\n! device: {host} (DCS-7060DX5-64S, EOS-4.31.2F)\n!\n"
            "! boot system flash:/EOS.swi\n!\n")


class EosCli:
    """The stand-in CLI: ``sent`` lists every command and typed line, in order."""

    def __init__(self, hostname: str, running: list[str]) -> None:
        self.hostname = hostname
        self.running = running
        self.sessions: dict[str, list[str]] = {}
        self.mode: str | None = None  # the session being configured
        self.pending: tuple[str, list[str]] | None = None  # (session, running before its commit)
        self.refuse: set[str] = set()
        self.alive = True
        self.sent: list[str] = []
        self.opened_as: tuple[Any, ...] = ()

    def render(self, kind: str, lines: list[str]) -> str:
        return banner(kind, self.hostname) + "".join(f"{x}\n" for x in lines) + "end\n"

    def send(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        self.sent.append(command)
        if not self.alive:
            raise DriverError(f"spine01: the SSH connection was lost during `{command}`")
        words = command.split()
        if command == "show hostname":
            return f"Hostname: {self.hostname}\nFQDN:     {self.hostname}.lab-mini.aidc.test\n"
        if command == "show running-config":
            return self.render("running-config", self.running)
        if command == "end":
            self.mode = None
            return ""
        if words[:2] == ["configure", "session"] and len(words) == 3:
            self.mode = words[2]
            self.sessions.setdefault(words[2], list(self.running))
            return ""
        if words[:2] == ["configure", "session"] and words[3:] == ["commit"]:
            if self.pending is None or self.pending[0] != words[2]:
                return self.error(f"% Session {words[2]} has no pending commit", check)
            self.pending = None
            return ""
        if words[:2] == ["configure", "session"] and words[3:] == ["abort"]:
            if self.pending is not None and self.pending[0] == words[2]:
                self.running = self.pending[1]
                self.pending = None
            self.sessions.pop(words[2], None)
            return ""
        assert self.mode is not None, f"{command!r} outside a configuration session"
        lines = self.sessions[self.mode]
        if command == "show session-config":
            return self.render("session-config", lines)
        if command == "show session-config diffs":
            return "".join(
                f"{x}\n"
                for x in difflib.unified_diff(self.running, lines, "system:/running-config",
                                              f"session:/{self.mode}-session-config", lineterm="")
            )
        if words[:2] == ["commit", "timer"]:
            self.pending = (self.mode, self.running)
            self.running = self.sessions.pop(self.mode)
            self.mode = None
            return ""
        if command == "commit":
            self.running = self.sessions.pop(self.mode)
            self.mode = None
            return ""
        return self.error(f"% Invalid input (at token 0: '{words[0]}')", check)

    def error(self, text: str, check: bool) -> str:
        if check:
            raise DriverError(f"spine01: refused: {text}")
        return text

    def send_lines(self, lines: list[str], *, enter: str, timeout: float | None = None) -> str:
        self.send(enter)
        assert self.mode is not None
        for line in lines:
            self.sent.append(line)
            if line in self.refuse:
                raise DriverError(f"spine01: configuration refused: {line} | % Invalid input")
            if line == "rollback clean-config":
                self.sessions[self.mode] = []
            else:
                self.sessions[self.mode].append(line)
        return ""

    def close(self) -> None:
        self.alive = False


OLD = ["hostname spine01", "interface Ethernet1/1", "   description cabled-before"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> EosCli:
    stand_in = EosCli("spine01", list(OLD))

    class Opener:
        @staticmethod
        def open(access: DeviceAccess, device_type: str, **kw: Any) -> EosCli:
            stand_in.opened_as = (access.name, device_type, kw)
            stand_in.alive = True
            return stand_in

    monkeypatch.setattr(eos, "CliChannel", Opener)
    return stand_in


def access(**kw: Any) -> DeviceAccess:
    return DeviceAccess(name="spine01", kind="switch", role="spine", platform="eos", address="192.0.2.21",
                        user="admin", **kw)


def test_text_helpers() -> None:
    raw = banner("running-config", "spine01") + "hostname spine01\r\n!\ninterface Ethernet1/1\n   !\n   mtu 9214\nend\n"
    assert normalize_eos(raw) == "hostname spine01\ninterface Ethernet1/1\n   mtu 9214\n"
    assert normalize_eos("!\n! only comments\nend\n") == ""
    lines = config_lines(startup_config())
    assert lines[0] == "service routing protocols model multi-agent" and "hostname spine01" in lines
    assert "   mtu 9214" in lines, "sub-mode lines keep their indentation"
    assert not any(x.lstrip().startswith("!") for x in lines)
    diff = ("--- system:/running-config\n+++ session:/x-session-config\n@@ -1,2 +1,2 @@\n"
            " hostname a\n-   shutdown\n+   mtu 9214\n")
    assert diff_lines(diff) == ["-   shutdown", "+   mtu 9214"]
    assert [timer(300), timer(3725), timer(0)] == ["00:05:00", "01:02:05", "00:00:01"]


def test_connect_checks_the_hostname(cli: EosCli) -> None:
    d = EosDriver(access(), timeout=7, connect_timeout=3)
    assert cli.opened_as == ("spine01", "arista_eos", {"timeout": 7, "connect_timeout": 3})
    assert cli.sent == ["show hostname"] and d.connected()
    cli.hostname = "spine02"
    with pytest.raises(DriverError, match="not the expected device \\(hostname 'spine02'\\)"):
        EosDriver(access())
    assert not cli.alive, "the session to the wrong device is closed"


def test_a_lost_connection_while_checking_the_hostname_closes_it(cli: EosCli, monkeypatch: pytest.MonkeyPatch) -> None:
    def lost(command: str, **_: Any) -> str:
        raise DriverError("spine01: the SSH connection was lost during `show hostname`")

    monkeypatch.setattr(cli, "send", lost)
    with pytest.raises(DriverError, match="connection was lost"):
        EosDriver(access())
    assert not cli.alive


def test_read_config_normalises_and_refuses_an_empty_answer(cli: EosCli) -> None:
    d = EosDriver(access())
    assert d.read_config() == "hostname spine01\ninterface Ethernet1/1\n   description cabled-before\n"
    cli.running = []
    cli.hostname = ""  # a device printing neither hostname nor interfaces nor end
    cli.render = lambda kind, lines: "% not available\n"  # type: ignore[method-assign]
    with pytest.raises(DriverError, match="gave no configuration"):
        d.read_config()


def test_stage_replaces_the_whole_configuration_in_a_session(cli: EosCli) -> None:
    d = EosDriver(access())
    plan = d.prepare({"startup-config": startup_config()})
    session = d.session
    assert session.startswith("aidc-")
    i = cli.sent.index(f"configure session {session}")
    assert cli.sent[i + 1] == "rollback clean-config", "a replace, not a merge"
    assert cli.sent[i + 2:i + 2 + len(config_lines(startup_config()))] == config_lines(startup_config())
    assert cli.sent[-3:] == ["show session-config diffs", "show session-config", "end"]
    assert "-   description cabled-before" in plan and "+   mtu 9214" in plan and "+hostname spine01" not in plan
    assert d.candidate == normalize_eos(startup_config())
    assert cli.running == OLD, "nothing runs before the commit"


def test_a_refused_line_aborts_the_session(cli: EosCli) -> None:
    d = EosDriver(access())
    cli.refuse.add("   speed 100g-4")
    with pytest.raises(DriverError, match="configuration refused"):
        d.prepare({"startup-config": startup_config()})
    assert cli.sent[-2:] == ["end", f"configure session {d.session} abort"]
    assert d.session not in cli.sessions and cli.running == OLD


def test_commit_with_a_timer_then_confirm(cli: EosCli) -> None:
    d = EosDriver(access(confirm_timeout=90))
    d.prepare({"startup-config": startup_config()})
    d.activate()
    assert cli.sent[-2:] == [f"configure session {d.session}", "commit timer 00:01:30"]
    assert cli.pending is not None and cli.running == config_lines(startup_config())
    d.read_running()
    d.confirm()
    assert f"configure session {d.session} commit" in cli.sent and cli.pending is None
    assert d.read_config() == normalize_eos(startup_config())


def test_restore_aborts_the_pending_session(cli: EosCli) -> None:
    d = EosDriver(access())
    assert push_then_restore(d, {"startup-config": startup_config()}, confirm=False) == ["rollback"]
    assert cli.running == OLD and cli.pending is None
    assert cli.sent[-3:] == ["end", f"configure session {d.session} abort", "show running-config"]


def test_restore_after_a_confirm_commits_the_backup_in_a_second_session(cli: EosCli) -> None:
    d = EosDriver(access())
    assert push_then_restore(d, {"startup-config": startup_config()}, confirm=True) == ["rollback", "replace"]
    assert cli.running == OLD
    second = f"configure session {d.session}-r"
    i = cli.sent.index(second)
    assert cli.sent[i + 1:i + 5] == ["rollback clean-config", *OLD] and cli.sent[i + 5] == "commit"


def test_a_confirm_for_a_commit_the_timer_rolled_back_is_a_failure(cli: EosCli) -> None:
    d = EosDriver(access())
    push(d, {"startup-config": startup_config()})
    assert cli.pending is not None
    cli.running, cli.pending = cli.pending[1], None  # the commit timer expired on the device
    with pytest.raises(DriverError, match="rolled the commit back before the confirm arrived"):
        d.confirm()


def test_not_connected(cli: EosCli) -> None:
    d = EosDriver(access())
    d.close()
    assert not d.connected()
    with pytest.raises(DriverError, match="not connected"):
        d.read_config()
