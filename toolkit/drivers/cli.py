"""An interactive vendor CLI over SSH through netmiko (Arista EOS: no POSIX shell to exec in).

``CliChannel.open(access, device_type)`` logs in with the credentials of ``DeviceAccess`` (taken
from the environment by the target, never logged), verifies the host key against the target's
known_hosts (never auto-added: netmiko ``ssh_strict``) and lets netmiko prepare the session
(``terminal length 0``, ``terminal width``, base prompt). ``send`` runs one command and returns
what it printed; ``send_lines`` types configuration lines in the current mode and fails on the
first line the device rejects. Every failure is a ``DriverError`` in plain words (the connection
was lost / the device did not answer in time / the device refused a line), never netmiko's
prompt patterns.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from toolkit.drivers.state import DriverError
from toolkit.session import ConnectError, tail

if TYPE_CHECKING:
    from toolkit.targets import DeviceAccess

CLI_ERROR = r"^% ?(Invalid|Incomplete|Ambiguous|Error|Cannot|Session)[^\n]*"


class CliChannel:
    """One netmiko connection to one device."""

    def __init__(self, access: DeviceAccess, conn: Any, *, timeout: float) -> None:
        self.access = access
        self.conn = conn
        self.timeout = timeout

    @classmethod
    def open(
        cls, access: DeviceAccess, device_type: str, *, timeout: float = 60.0, connect_timeout: float = 10.0
    ) -> CliChannel:
        from netmiko import ConnectHandler

        params: dict[str, Any] = {
            "device_type": device_type,
            "host": access.address,
            "port": access.port,
            "username": access.user,
            "password": access.password.get_secret_value() if access.password is not None else "",
            "use_keys": bool(access.key_file),
            "key_file": access.key_file,
            "allow_agent": access.key_file is None and access.password is None,
            "ssh_strict": True,
            "system_host_keys": not access.known_hosts,
            "alt_host_keys": bool(access.known_hosts),
            "alt_key_file": access.known_hosts or "",
            "conn_timeout": connect_timeout,
            "auth_timeout": connect_timeout,
            "banner_timeout": connect_timeout,
            "read_timeout_override": None,
            "fast_cli": True,
        }
        try:
            conn = ConnectHandler(**params)
        except Exception as exc:
            raise ConnectError(
                f"{access.name}: cannot connect to {access.user}@{access.address}:{access.port}: {_plain(exc)}"
            ) from exc
        _fail_fast_on_eof(conn)
        return cls(access, conn, timeout=timeout)

    @property
    def alive(self) -> bool:
        """The SSH transport is up and the shell channel open (no round trip)."""
        chan = getattr(self.conn, "remote_conn", None)
        if chan is None:
            return False
        try:
            transport = chan.get_transport()
            return bool(transport is not None and transport.is_active() and not chan.closed and not chan.eof_received)
        except Exception:
            return False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.disconnect()

    def _lost(self, what: str, exc: BaseException) -> DriverError:
        from netmiko.exceptions import ReadTimeout

        if isinstance(exc, ReadTimeout):
            return DriverError(f"{self.access.name}: the device did not answer `{what}` in time")
        return DriverError(f"{self.access.name}: the SSH connection was lost during `{what}`: {_plain(exc)}")

    def send(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """What ``command`` printed (its echo and the prompt removed); ``check``: a ``% ...``
        error line is a ``DriverError``."""
        prompt = re.escape(str(self.conn.base_prompt)[:16]) + r"[^\n]*[>#]\s*$"
        try:
            out = str(
                self.conn.send_command(
                    command, expect_string=prompt, read_timeout=timeout or self.timeout, strip_prompt=True
                )
            )
        except Exception as exc:
            raise self._lost(command, exc) from exc
        out = out.replace("\r", "")
        err = re.search(CLI_ERROR, out, flags=re.M)
        if check and err:
            raise DriverError(f"{self.access.name}: `{command}` refused: {err.group(0)}")
        return out

    def send_lines(self, lines: Iterable[str], *, enter: str, timeout: float | None = None) -> str:
        """Enter the configuration mode ``enter`` and type ``lines`` (staying in that mode)."""
        from netmiko.exceptions import ConfigInvalidException

        try:
            out = self.conn.send_config_set(
                list(lines),
                config_mode_command=enter,
                exit_config_mode=False,
                error_pattern=CLI_ERROR,
                read_timeout=timeout or self.timeout,
                cmd_verify=True,
            )
        except ConfigInvalidException as exc:
            raise DriverError(f"{self.access.name}: configuration refused: {tail(str(exc), 2)}") from exc
        except Exception as exc:
            raise self._lost(enter, exc) from exc
        return str(out).replace("\r", "")


def _fail_fast_on_eof(conn: Any) -> None:
    """netmiko polls a closed channel until its read timeout: make a read of a channel the
    device closed fail at once (so a lost session is reported as lost, not as a timeout)."""
    from netmiko.exceptions import ReadException

    chan = conn.channel
    read = chan.read_channel

    def read_channel() -> str:
        out = str(read())
        if not out:
            rc = chan.remote_conn
            if rc is None or rc.closed or rc.eof_received:
                raise ReadException("Channel stream closed by remote device.")
        return out

    chan.read_channel = read_channel


def _plain(exc: BaseException) -> str:
    """One line about ``exc`` without netmiko's advice text."""
    text = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    first = text[0] if text else type(exc).__name__
    if "Socket is closed" in first or "closed" in first.lower():
        return "the device closed the connection"
    return first[:300]
