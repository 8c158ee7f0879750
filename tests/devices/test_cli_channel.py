"""The netmiko channel of the EOS driver (``toolkit.drivers.cli.CliChannel``), root-free.

netmiko itself is real; the SSH connection under it is not: ``ConnectHandler`` is replaced by
``FakeNetmiko``, a STAND-IN for a netmiko connection to an EOS switch (no EOS here) that answers
``send_command`` / ``send_config_set`` the way netmiko returns them and raises netmiko's own
exceptions (``ReadTimeout``, ``ConfigInvalidException``, ``ReadException``) where netmiko would.
Tested: the connection parameters (strict host keys, the known_hosts file, the secret passed but
never logged), errors in plain words, the ``% ...`` error lines of the EOS CLI, and the fail-fast
read of a channel the device closed.
"""

from __future__ import annotations

from typing import Any

import pytest
from netmiko.exceptions import ConfigInvalidException, ReadException, ReadTimeout
from pydantic import SecretStr

from toolkit.drivers import cli
from toolkit.drivers.cli import CliChannel
from toolkit.drivers.state import DriverError
from toolkit.session import ConnectError
from toolkit.targets import DeviceAccess


class Transport:
    def __init__(self) -> None:
        self.active = True

    def is_active(self) -> bool:
        return self.active


class Chan:
    def __init__(self) -> None:
        self.transport = Transport()
        self.closed = False
        self.eof_received = False

    def get_transport(self) -> Transport:
        return self.transport


class Channel:
    """netmiko's channel wrapper: ``read_channel`` returns what arrived ("" when nothing)."""

    def __init__(self, remote: Chan) -> None:
        self.remote_conn: Chan | None = remote
        self.pending: list[str] = []

    def read_channel(self) -> str:
        return self.pending.pop(0) if self.pending else ""


class FakeNetmiko:
    def __init__(self, **params: Any) -> None:
        self.params = params
        self.base_prompt = "spine01"
        self.remote_conn: Chan | None = Chan()
        self.channel = Channel(self.remote_conn)
        self.answers: dict[str, str | BaseException] = {}
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.disconnected = False

    def send_command(self, command: str, **kw: Any) -> str:
        self.sent.append((command, kw))
        got = self.answers.get(command, "")
        if isinstance(got, BaseException):
            raise got
        return got

    def send_config_set(self, lines: list[str], **kw: Any) -> str:
        self.sent.append(("\n".join(lines), kw))
        for line in lines:
            got = self.answers.get(line)
            if isinstance(got, BaseException):
                raise got
        return "\r\n".join(f"spine01(config-s-aidc-1)#{x}" for x in lines)

    def disconnect(self) -> None:
        self.disconnected = True


def access(**kw: Any) -> DeviceAccess:
    base: dict[str, Any] = {"name": "spine01", "kind": "switch", "role": "spine", "platform": "eos",
                            "address": "192.0.2.21", "port": 2222, "user": "admin"}
    return DeviceAccess(**{**base, **kw})


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> list[FakeNetmiko]:
    made: list[FakeNetmiko] = []

    def connect(**params: Any) -> FakeNetmiko:
        c = FakeNetmiko(**params)
        made.append(c)
        return c

    import netmiko

    monkeypatch.setattr(netmiko, "ConnectHandler", connect)
    return made


def test_connection_parameters_with_a_key(handler: list[FakeNetmiko]) -> None:
    ch = CliChannel.open(access(key_file="/k/id", known_hosts="/k/known"), "arista_eos", timeout=30, connect_timeout=4)
    p = handler[0].params
    assert (p["device_type"], p["host"], p["port"], p["username"]) == ("arista_eos", "192.0.2.21", 2222, "admin")
    assert p["ssh_strict"] is True, "an unknown host key is refused, never added"
    assert p["alt_host_keys"] is True and p["alt_key_file"] == "/k/known" and p["system_host_keys"] is False
    assert p["use_keys"] is True and p["key_file"] == "/k/id" and p["allow_agent"] is False and p["password"] == ""
    assert p["conn_timeout"] == p["auth_timeout"] == p["banner_timeout"] == 4
    assert ch.timeout == 30 and ch.alive


def test_connection_parameters_with_a_password_or_the_agent(handler: list[FakeNetmiko]) -> None:
    CliChannel.open(access(password=SecretStr("hunter2")), "arista_eos")
    p = handler[0].params
    assert p["password"] == "hunter2" and p["use_keys"] is False and p["allow_agent"] is False
    assert p["system_host_keys"] is True and p["alt_key_file"] == ""
    CliChannel.open(access(), "arista_eos")
    assert handler[1].params["allow_agent"] is True


def test_a_failed_login_is_a_connect_error_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    import netmiko

    def refuse(**_: Any) -> None:
        raise netmiko.NetmikoAuthenticationException(
            "Authentication to device failed.\n\nCommon causes of this problem are:\n1. Invalid username and password"
        )

    monkeypatch.setattr(netmiko, "ConnectHandler", refuse)
    with pytest.raises(ConnectError) as err:
        CliChannel.open(access(password=SecretStr("hunter2")), "arista_eos")
    assert str(err.value) == "spine01: cannot connect to admin@192.0.2.21:2222: Authentication to device failed."
    assert "hunter2" not in str(err.value)

    def closed(**_: Any) -> None:
        raise OSError("Socket is closed")

    monkeypatch.setattr(netmiko, "ConnectHandler", closed)
    with pytest.raises(ConnectError, match=r"the device closed the connection$"):
        CliChannel.open(access(), "arista_eos")


def test_send_strips_returns_and_refuses_error_lines(handler: list[FakeNetmiko]) -> None:
    ch = CliChannel.open(access(), "arista_eos", timeout=12)
    conn = handler[0]
    conn.answers["show hostname"] = "Hostname: spine01\r\nFQDN:     spine01\r\n"
    assert ch.send("show hostname") == "Hostname: spine01\nFQDN:     spine01\n"
    _command, kw = conn.sent[-1]
    assert kw["read_timeout"] == 12 and kw["strip_prompt"] is True
    assert kw["expect_string"] == r"spine01[^\n]*[>#]\s*$", "the prompt of this device, in any mode"
    conn.answers["show bogus"] = "% Invalid input (at token 1: 'bogus')\n"
    with pytest.raises(DriverError, match=r"spine01: `show bogus` refused: % Invalid input \(at token 1: 'bogus'\)"):
        ch.send("show bogus")
    assert ch.send("show bogus", check=False).startswith("% Invalid input")
    ch.send("show version", timeout=99)
    assert conn.sent[-1][1]["read_timeout"] == 99


def test_a_timeout_or_a_lost_connection_is_named(handler: list[FakeNetmiko]) -> None:
    ch = CliChannel.open(access(), "arista_eos")
    conn = handler[0]
    conn.answers["show running-config"] = ReadTimeout("Pattern not detected: 'spine01.*#' in output.")
    with pytest.raises(DriverError, match=r"^spine01: the device did not answer `show running-config` in time$"):
        ch.send("show running-config")
    conn.answers["show version"] = OSError("Socket is closed")
    with pytest.raises(DriverError, match="lost during `show version`: the device closed the connection"):
        ch.send("show version")


def test_send_lines_in_a_configuration_session(handler: list[FakeNetmiko]) -> None:
    ch = CliChannel.open(access(), "arista_eos")
    conn = handler[0]
    out = ch.send_lines(["rollback clean-config", "hostname spine01"], enter="configure session aidc-1")
    assert "\r" not in out and out.splitlines()[1] == "spine01(config-s-aidc-1)#hostname spine01"
    lines, kw = conn.sent[-1]
    assert lines == "rollback clean-config\nhostname spine01"
    assert kw["config_mode_command"] == "configure session aidc-1" and kw["exit_config_mode"] is False
    assert kw["error_pattern"] == cli.CLI_ERROR and kw["cmd_verify"] is True
    conn.answers["   speed 800g"] = ConfigInvalidException(
        "Invalid input detected at command: speed 800g\n% Invalid input (at token 1: '800g')")
    with pytest.raises(DriverError, match=r"configuration refused: .*% Invalid input \(at token 1: '800g'\)"):
        ch.send_lines(["interface Ethernet1/1", "   speed 800g"], enter="configure session aidc-1")
    conn.answers["hostname x"] = EOFError("EOF")
    with pytest.raises(DriverError, match="connection was lost during `configure session aidc-2`"):
        ch.send_lines(["hostname x"], enter="configure session aidc-2")


def test_alive_and_the_fail_fast_read(handler: list[FakeNetmiko]) -> None:
    ch = CliChannel.open(access(), "arista_eos")
    conn = handler[0]
    conn.channel.pending.append("spine01#")
    assert conn.channel.read_channel() == "spine01#"
    assert conn.channel.read_channel() == "", "nothing arrived yet on a live channel: netmiko polls again"
    assert conn.remote_conn is not None
    conn.remote_conn.eof_received = True  # the device closed the channel
    assert not ch.alive
    with pytest.raises(ReadException, match="closed by remote device"):
        conn.channel.read_channel()
    conn.remote_conn.eof_received = False
    conn.remote_conn.transport.active = False
    assert not ch.alive
    conn.remote_conn = None
    assert not ch.alive
    ch.close()
    assert conn.disconnected

    class Broken:
        def get_transport(self) -> Any:
            raise EOFError

    conn.remote_conn = Broken()  # type: ignore[assignment]
    assert not ch.alive
