"""Base of the vendor switch drivers that commit with a rollback timer (EOS, Cumulus, SONiC).

The apply steps of ``toolkit.drivers.state`` map onto a commit-confirm:

- ``read_running``: the NOS configuration as the device prints it, normalised
  (``RunningState.frr`` holds it; vendor switches have no Linux interface snapshot here);
- ``prepare``: stage the rendered configuration as a candidate the device validates (an EOS
  configuration session, an NVUE pending revision, a SONiC checkpoint plus uploaded files);
  nothing runs yet; returns the device's own diff of candidate against running;
- ``activate``: commit the candidate with a rollback timer of ``confirm_seconds`` (per platform,
  ``DeviceAccess.confirm_timeout`` from the target settings, else ``DEFAULT_CONFIRM``);
- ``confirm``: after the engine read the device back (it answers, its state is readable) and
  only if what it runs is the staged candidate as the device showed it, make the commit
  permanent; then check it still runs that (a timer that expired first is a failure);
- ``restore``: reconnect when the session was lost, cancel the pending commit (the device goes
  back to the configuration before it), drop the candidate, and if the device still differs from
  the backup put the backup configuration back; verified by reading it again. When the device
  cannot be reached at all, nothing more can be done from here: the report says plainly that the
  commit was never confirmed and that the device's own timer rolls it back, and when.

A subclass implements the NOS commands: ``connect``, ``read_config``, ``stage``,
``commit_with_timer``, ``commit_confirm``, ``cancel_pending``, ``replace_config``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from toolkit.drivers.state import Backup, DriverError, RestoreReport, RunningState, StepReport
from toolkit.netstate import NetSnapshot
from toolkit.session import CommandResult, tail

if TYPE_CHECKING:
    from toolkit.targets import DeviceAccess, Target

DEFAULT_CONFIRM = 300
"""Seconds a pushed configuration waits for its confirm before the device rolls it back."""


def first_group(pattern: re.Pattern[str], text: str) -> str | None:
    """The first group of ``pattern``'s first match in a command's output (None: no match)."""
    m = pattern.search(text)
    return m.group(1) if m else None


class ConfirmDriver:
    files: ClassVar[tuple[str, ...]] = ()
    config_name: ClassVar[str] = "configuration"

    def __init__(
        self,
        access: DeviceAccess,
        *,
        target: Target | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.access = access
        self.target = target
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.tag = "aidc-" + time.strftime("%H%M%S") + "-" + hex(time.time_ns() % 0xFFFF)[2:]
        self.pending = False
        """A commit with a timer may be active (set before the commit is sent)."""
        self.deadline: float | None = None
        self.rolled_back_by_device = False
        """The device's own commit timer rolled the pending commit back before aidc could cancel it
        (``cancel_pending`` found it so): the restore then only verifies."""
        self.read_back: str | None = None
        """The configuration read after the push, before the confirm."""
        self.candidate: str | None = None
        """The staged configuration as the device shows it (``stage`` sets it): what must run after
        the commit."""
        self.conn: Any = None
        self.connect()

    @classmethod
    def open_device(
        cls, target: Target, device: str, *, timeout: float = 60.0, connect_timeout: float = 10.0, **_: Any
    ) -> ConfirmDriver:
        return cls(target.device(device), target=target, timeout=timeout, connect_timeout=connect_timeout)

    @property
    def confirm_seconds(self) -> int:
        return int(self.access.confirm_timeout or DEFAULT_CONFIRM)

    # -- the connection: by default the target's shell session (Linux-based NOS: exec channels,
    # exit status, SFTP; identity verified on open); EOS overrides it with its CLI

    def connect(self) -> None:
        if self.target is None:
            raise DriverError(f"{self.access.name}: no target to open a session with")
        self.conn = self.target.open(self.access.name, timeout=self.timeout, connect_timeout=self.connect_timeout)

    def connected(self) -> bool:
        return self.conn is not None and bool(getattr(self.conn, "connected", True))

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None

    def run(self, command: str, *, check: bool = True, what: str | None = None) -> CommandResult:
        """``command`` in the device's shell; ``check``: a nonzero exit is a ``DriverError``
        naming ``what`` (default: the command) and what the device printed."""
        if self.conn is None:
            raise DriverError(f"{self.access.name}: not connected")
        res: CommandResult = self.conn.run(command, timeout=self.timeout)
        if res.rc < 0 or not self.connected():  # no exit status: the channel closed under it
            raise DriverError(f"{self.access.name}: the SSH connection was lost during `{what or command}`")
        if check and res.rc != 0:
            raise DriverError(f"{self.access.name}: `{what or command}` refused ({res.rc}): {tail(res.output)}")
        return res

    def runs_candidate(self, read_back: str) -> bool:
        """Does the configuration read after the commit match the staged candidate?"""
        return self.candidate is None or read_back == self.candidate

    # -- NOS commands (subclasses)

    def read_config(self) -> str:
        raise NotImplementedError

    def stage(self, files: dict[str, str]) -> list[str]:
        raise NotImplementedError

    def commit_with_timer(self, seconds: int) -> None:
        raise NotImplementedError

    def commit_confirm(self) -> None:
        raise NotImplementedError

    def cancel_pending(self) -> None:
        """Roll back a commit still waiting for its confirm and drop the candidate (no error when
        there is none)."""
        raise NotImplementedError

    def replace_config(self, text: str) -> None:
        """Make ``text`` (a configuration ``read_config`` returned) the running one, committed."""
        raise NotImplementedError

    # -- the driver protocol (toolkit.drivers.state)

    def __enter__(self) -> ConfirmDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_running(self, sysctls: Iterable[str] = ()) -> RunningState:
        text = self.read_config()
        if self.pending:
            self.read_back = text
        return RunningState(frr=text, net=NetSnapshot())

    def backup(self, running: RunningState | None = None) -> Backup:
        running = running or self.read_running()
        return Backup(device=self.access.name, taken=time.time(), running=running)

    def prepare(self, files: dict[str, str]) -> list[str]:
        return self.stage(files)

    def activate(self) -> None:
        self.pending = True
        self.deadline = time.time() + self.confirm_seconds
        self.commit_with_timer(self.confirm_seconds)

    def confirm(self) -> None:
        """Confirm, then check that what runs is still what was read back after the push: a
        timer that expired before the confirm arrived rolled the device back (an error, never a
        success)."""
        if self.read_back is not None and not self.runs_candidate(self.read_back):
            raise DriverError(
                f"{self.access.name}: after the commit the device does not run the configuration that was "
                "pushed (rolled back by its timer, or changed meanwhile); not confirmed"
            )
        late = DriverError(
            f"{self.access.name}: the device rolled the commit back before the confirm arrived "
            f"(confirm timeout {self.confirm_seconds} s too short?)"
        )
        try:
            self.commit_confirm()
        except DriverError as exc:
            if self.connected() and self.read_back is not None and self.read_config() != self.read_back:
                raise late from exc
            raise
        self.pending = False
        if self.read_back is not None and self.read_config() != self.read_back:
            raise late

    def discard(self, backup: Backup) -> None:
        if self.connected():
            self.cancel_pending()

    def restore(self, backup: Backup) -> RestoreReport:
        rep = RestoreReport(ok=True)
        t0 = time.monotonic()
        lost = not self.connected()
        if lost:
            try:
                self.close()
                self.connect()
                rep.steps.append(StepReport(step="reconnect", ok=True, seconds=_since(t0)))
            except DriverError as exc:
                rep.ok = False
                rep.errors.append(str(exc))
                rep.steps.append(StepReport(step="reconnect", ok=False, seconds=_since(t0), detail=str(exc)))
                if self.pending and self.deadline is not None:
                    rep.pending_rollback = True
                    at = time.strftime("%H:%M:%S UTC", time.gmtime(self.deadline))
                    rep.message = (
                        f"the device stopped answering after the push and cannot be restored from here; the "
                        f"commit was never confirmed, so the device rolls it back by itself by {at} "
                        f"(commit timer {self.confirm_seconds} s)"
                    )
                else:
                    rep.message = "the device stopped answering; nothing was committed on it"
                return rep
        try:
            t = time.monotonic()
            self.cancel_pending()
            self.pending = False
            detail = "pending commit cancelled"
            if self.rolled_back_by_device:
                detail = "rolled back by the device's commit timer"
            rep.steps.append(StepReport(step="rollback", ok=True, seconds=_since(t), detail=detail))
            now = self.read_config()
            if now != backup.running.frr and backup.running.frr is not None:
                t = time.monotonic()
                self.replace_config(backup.running.frr)
                rep.steps.append(StepReport(step="replace", ok=True, seconds=_since(t), detail="backup committed"))
                now = self.read_config()
            if now != backup.running.frr:
                rep.ok = False
                rep.errors.append(f"{self.config_name} differs from the backup after restore")
        except DriverError as exc:
            rep.ok = False
            rep.errors.append(str(exc))
        if rep.ok:
            rep.message = (
                "the SSH session was lost during the push: reconnected and rolled back to the previous "
                f"{self.config_name}"
                + (" (the device's own commit timer had rolled it back first)" if self.rolled_back_by_device else "")
                if lost
                else f"rolled back to the previous {self.config_name}"
            )
        return rep


def _since(t0: float) -> float:
    return round(time.monotonic() - t0, 3)
