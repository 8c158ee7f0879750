"""One session protocol to a device: run a command, put a file, read a file.

Every device operation of aidc (apply drivers, plan's running-state reads, health facts and
checks) goes through a ``Session``. ``SshSession`` is the one implementation for devices with a
POSIX shell (Linux servers, FRR white boxes, the lab's namespaces): one paramiko SSH connection,
one exec channel per command (exit status, stdout and stderr apart, no prompt parsing), SFTP for
files. Host keys are verified against the target's known_hosts, never auto-added; credentials
come from ``DeviceAccess`` (the target took them from the environment) and never appear in an
error message.

The identity of the device is verified once, when the session opens: ``DeviceAccess.identity``
maps shell words to the values they must print (the lab: ``$AIDC_DEVICE`` / ``$AIDC_NETNS``
that its sshd sets; real devices: the short hostname). A session that reaches another device
fails before any command of the caller runs.

``Sessions`` keeps one open session per device for many threads (the health checks): a device
that cannot be opened fails every later command with the same message.
"""

from __future__ import annotations

import base64
import contextlib
import io
import select
import shlex
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from toolkit.targets import DeviceAccess, Target

DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0
_READ = 65536


class DeviceError(RuntimeError):
    """A device operation failed (the message is safe to show: no secrets)."""


class ConnectError(DeviceError):
    """The device could not be reached, refused the login or is not the expected device."""


class CommandResult(BaseModel):
    command: str
    rc: int
    stdout: str
    stderr: str = ""
    seconds: float = 0.0

    @property
    def output(self) -> str:
        """stdout, then stderr (what a terminal would show), without trailing newlines."""
        parts = [x.rstrip("\n") for x in (self.stdout, self.stderr) if x.strip()]
        return "\n".join(parts)


class Session(Protocol):
    """What drivers and fact readers need from a device connection."""

    access: DeviceAccess

    def run(self, command: str, *, timeout: float | None = None, check: bool = False) -> CommandResult: ...

    def put_file(self, path: str, text: str, mode: int = 0o644) -> None: ...

    def read_file(self, path: str) -> str | None: ...

    def privileged(self, command: str) -> str: ...

    def close(self) -> None: ...


def identity_command(identity: dict[str, str]) -> str:
    """Shell command printing each identity word on its own line (keys in sorted order)."""
    return "printf '%s\\n' " + " ".join(f'"{k}"' for k in sorted(identity))


def identity_problem(device: str, identity: dict[str, str], output: str) -> str | None:
    """Why ``output`` of ``identity_command`` shows another device than ``device``, or None."""
    keys = sorted(identity)
    seen = output.rstrip("\n").split("\n") if output.strip() else []
    got = dict(zip(keys, seen, strict=False))
    want = {k: identity[k] for k in keys}
    if got == want:
        return None
    shown = ", ".join(f"{k}={got.get(k, '(unset)')!r}" for k in keys)
    expected = ", ".join(f"{k}={v!r}" for k, v in want.items())
    return f"{device}: the SSH session is not the expected device ({shown}; expected {expected})"


class SshSession:
    """One SSH connection to one device; use as a context manager (``with target.open(d) as s``)."""

    def __init__(
        self,
        access: DeviceAccess,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.access = access
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._log = log
        self._client: Any = None
        self._sftp: Any = None

    def __enter__(self) -> SshSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        t = self._client.get_transport() if self._client is not None else None
        return bool(t is not None and t.is_active())

    def open(self) -> SshSession:
        """Connect, log in and verify the device's identity (once per session)."""
        import paramiko

        a = self.access
        client = paramiko.SSHClient()
        if a.known_hosts:
            try:
                client.load_host_keys(a.known_hosts)
            except OSError as exc:
                raise ConnectError(f"{a.name}: cannot read known_hosts {a.known_hosts}: {_short(exc)}") from exc
        else:
            client.load_system_host_keys()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        kwargs: dict[str, Any] = {
            "hostname": a.address,
            "port": a.port,
            "username": a.user,
            "timeout": self.connect_timeout,
            "auth_timeout": self.connect_timeout,
            "banner_timeout": self.connect_timeout,
            "allow_agent": a.key_file is None and a.password is None,
            "look_for_keys": False,
        }
        if a.key_file:
            kwargs["key_filename"] = a.key_file
        if a.password is not None:
            kwargs["password"] = a.password.get_secret_value()
        try:
            client.connect(**kwargs)
        except Exception as exc:
            with contextlib.suppress(Exception):
                client.close()
            raise ConnectError(f"{a.name}: cannot connect to {a.user}@{a.address}:{a.port}: {_short(exc)}") from exc
        self._client = client
        if a.identity:
            try:
                res = self.run(identity_command(a.identity), timeout=self.connect_timeout)
            except DeviceError:
                self.close()
                raise
            problem = identity_problem(a.name, a.identity, res.stdout if res.rc == 0 else "")
            if problem:
                self.close()
                raise ConnectError(problem)
        return self

    def close(self) -> None:
        if self._sftp is not None:
            with contextlib.suppress(Exception):
                self._sftp.close()
            self._sftp = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None

    def privileged(self, command: str) -> str:
        return f"sudo -n {command}" if self.access.sudo else command

    # -- commands

    def run(self, command: str, *, timeout: float | None = None, check: bool = False) -> CommandResult:
        """Run ``command`` with the login shell; waits at most ``timeout`` seconds for it."""
        if self._client is None:
            raise DeviceError(f"{self.access.name}: not connected")
        limit = timeout or self.timeout
        t0 = time.monotonic()
        what = command.split(None, 1)[0] if command.strip() else "command"
        try:
            transport = self._client.get_transport()
            if transport is None or not transport.is_active():
                raise DeviceError(f"{self.access.name}: the SSH connection was lost before `{what}`")
            chan = transport.open_session(timeout=self.connect_timeout)
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceError(
                f"{self.access.name}: the SSH connection was lost before `{what}`: {_short(exc)}"
            ) from exc
        try:
            chan.exec_command(command)
            out, err = _collect(chan, t0 + limit)
            if out is None:
                raise DeviceError(f"{self.access.name}: `{what}` did not finish within {limit:.0f} s")
            rc = chan.recv_exit_status()
            if rc == -1 and not self.connected:  # paramiko's status of a channel whose connection died
                raise DeviceError(f"{self.access.name}: the SSH connection was lost during `{what}`")
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceError(
                f"{self.access.name}: the SSH connection was lost during `{what}`: {_short(exc)}"
            ) from exc
        finally:
            with contextlib.suppress(Exception):
                chan.close()
        res = CommandResult(
            command=command,
            rc=rc,
            stdout=out.decode(errors="replace"),
            stderr=(err or b"").decode(errors="replace"),
            seconds=round(time.monotonic() - t0, 3),
        )
        if self._log:
            self._log(f"{self.access.name}: {what} -> {rc} ({res.seconds}s)")
        if check and rc != 0:
            raise DeviceError(f"{self.access.name}: `{command[:200]}` failed ({rc}): {tail(res.output)}")
        return res

    # -- files

    def _sftp_client(self) -> Any:
        if self._client is None:
            raise DeviceError(f"{self.access.name}: not connected")
        if self._sftp is None:
            self._sftp = self._client.open_sftp()
        return self._sftp

    def put_file(self, path: str, text: str, mode: int = 0o644) -> None:
        """Write ``path`` atomically (temporary name, then rename)."""
        tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            sftp = self._sftp_client()
            sftp.putfo(io.BytesIO(text.encode()), tmp)
            sftp.chmod(tmp, mode)
            sftp.posix_rename(tmp, path)
        except Exception as exc:
            with contextlib.suppress(Exception):
                self._sftp_client().remove(tmp)
            raise DeviceError(f"{self.access.name}: cannot write {path}: {_short(exc)}") from exc

    def read_file(self, path: str) -> str | None:
        """Text of ``path``, or None when it does not exist."""
        try:
            buf = io.BytesIO()
            self._sftp_client().getfo(path, buf)
            return buf.getvalue().decode(errors="replace")
        except FileNotFoundError:
            return None
        except OSError as exc:
            if getattr(exc, "errno", None) == 2:
                return None
            raise DeviceError(f"{self.access.name}: cannot read {path}: {_short(exc)}") from exc
        except Exception as exc:
            raise DeviceError(f"{self.access.name}: cannot read {path}: {_short(exc)}") from exc


def _collect(chan: Any, deadline: float) -> tuple[bytes | None, bytes | None]:
    """stdout and stderr of an exec channel until the command exits; (None, None) on timeout."""
    out: list[bytes] = []
    err: list[bytes] = []
    while True:
        busy = False
        if chan.recv_ready():
            out.append(chan.recv(_READ))
            busy = True
        if chan.recv_stderr_ready():
            err.append(chan.recv_stderr(_READ))
            busy = True
        if busy:
            continue
        # done at end of file (OpenSSH may send the exit status before the last output)
        if (chan.eof_received or chan.closed) and not chan.recv_ready() and not chan.recv_stderr_ready():
            break
        left = deadline - time.monotonic()
        if left <= 0:
            return None, None
        with contextlib.suppress(OSError, ValueError):
            select.select([chan], [], [], min(0.02, left))
    return b"".join(out), b"".join(err)


class Sessions:
    """Open sessions of a target, one per device, shared by threads (the health checks).

    ``run`` bounds every command by a remote ``timeout`` as well, so a hung tool never outlives
    the check that started it.
    """

    def __init__(self, target: Target, *, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.target = target
        self.connect_timeout = connect_timeout
        self._sessions: dict[str, Session] = {}
        self._errors: dict[str, str] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def hardware(self) -> bool:
        return self.target.hardware

    def privileged(self, command: str) -> str:
        return f"sudo -n {command}" if self.target.sudo else command

    def _lock(self, device: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(device, threading.Lock())

    def session(self, device: str) -> Session:
        """The open session of ``device`` (opened on first use, identity verified then)."""
        with self._lock(device):
            if device in self._errors:
                raise DeviceError(self._errors[device])
            s = self._sessions.get(device)
            if s is None:
                try:
                    s = self.target.open(device, connect_timeout=self.connect_timeout)
                except DeviceError as exc:
                    self._errors[device] = str(exc)
                    raise
                self._sessions[device] = s
            return s

    def run(self, device: str, command: str, timeout: float = 30.0) -> CommandResult:
        wrapped = f"timeout {int(max(1, timeout))} sh -c {shlex.quote(command)}"
        res = self.session(device).run(wrapped, timeout=timeout + 10)
        if res.rc == 124:
            raise DeviceError(f"{device}: `{command[:120]}` timed out after {int(timeout)} s")
        return res.model_copy(update={"command": command})

    def check_output(self, device: str, command: str, timeout: float = 30.0) -> str:
        res = self.run(device, command, timeout)
        if res.rc != 0:
            msg = (res.stderr or res.stdout).strip().splitlines()
            raise DeviceError(f"{device}: `{command[:120]}` failed ({res.rc}): {' / '.join(msg[-3:])[:400]}")
        return res.stdout

    def close(self) -> None:
        with self._guard:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            s.close()


def batch_script(commands: dict[str, str]) -> str:
    """One shell script running each command in turn; output lines ``@@<key> <rc> <b64 out> <b64 err>``."""
    lines = [
        "e=$(mktemp)",
        'f() { out=$(sh -c "$2" 2>"$e"); rc=$?; printf \'@@%s %s %s %s\\n\' "$1" "$rc" '
        '"$(printf %s "$out" | base64 | tr -d \'\\n\')" "$(base64 < "$e" | tr -d \'\\n\')"; }',
    ]
    lines += [f"f {shlex.quote(k)} {shlex.quote(c)}" for k, c in commands.items()]
    lines.append('rm -f "$e"')
    return "\n".join(lines) + "\n"


def parse_batch_output(out: str) -> dict[str, tuple[int, str, str]]:
    """key -> (exit status, stdout, stderr) from the output of ``batch_script``."""
    res: dict[str, tuple[int, str, str]] = {}
    for line in out.splitlines():
        if not line.startswith("@@"):
            continue
        parts = line[2:].split(" ")
        if len(parts) < 2 or not parts[1].lstrip("-").isdigit():
            continue
        text = base64.b64decode(parts[2]).decode(errors="replace") if len(parts) > 2 and parts[2] else ""
        err = base64.b64decode(parts[3]).decode(errors="replace") if len(parts) > 3 and parts[3] else ""
        res[parts[0]] = (int(parts[1]), text, err)
    return res


def run_batch(
    session: Session, commands: dict[str, str], *, timeout: float | None = None
) -> dict[str, tuple[int, str, str]]:
    """Run several commands in one round trip; key -> (exit status, stdout, stderr)."""
    res = session.run(batch_script(commands), timeout=timeout)
    got = parse_batch_output(res.stdout)
    missing = [k for k in commands if k not in got]
    if missing:
        raise DeviceError(f"{session.access.name}: no result for {', '.join(missing)}: {tail(res.output)}")
    return got


def tail(text: str, n: int = 6) -> str:
    """The last ``n`` non-blank lines of ``text`` joined by `` | `` (for error messages)."""
    lines = [ln for ln in text.replace("\r", "").splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[:1000]


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
