"""The ``eos`` platform: Arista EOS through its CLI (netmiko ``arista_eos``), in a configuration
session that commits with a timer.

- running state: ``show running-config``, normalised (``normalize_eos``: comment lines, the
  ``! Command`` / ``! device`` banner and the final ``end`` are not configuration);
- identity: ``show hostname`` must name the device (before anything else runs);
- prepare: ``configure session aidc-<id>``, ``rollback clean-config``, then every line of the
  rendered ``startup-config`` (a replace, not a merge); the first line EOS refuses aborts the
  session (nothing changed); ``show session-config diffs`` is the plan of the device and
  ``show session-config`` what must run after the commit (checked before the confirm);
- activate: ``commit timer hh:mm:ss`` (the per-platform confirm timeout);
- confirm: ``configure session aidc-<id> commit``, once the device answered after the push;
- restore: ``configure session aidc-<id> abort`` (a pending commit goes back to the previous
  configuration; an uncommitted session is dropped); if the device still differs from the
  backup, the backup is committed through a second session. A device that cannot be reached
  rolls back by itself when the commit timer expires (``toolkit.drivers.confirm``).
"""

from __future__ import annotations

import re

from toolkit.drivers.cli import CliChannel
from toolkit.drivers.confirm import ConfirmDriver
from toolkit.drivers.state import DriverError

DEVICE_TYPE = "arista_eos"
FILES: tuple[str, ...] = ("startup-config",)
_BANNER = re.compile(r"^! (Command|device|boot system|Time|Startup-config)\b")


def normalize_eos(text: str) -> str:
    """EOS configuration text without comments, banner and ``end``: what a compare needs."""
    out: list[str] = []
    for line in text.replace("\r", "").splitlines():
        s = line.rstrip()
        if not s.strip() or s.lstrip().startswith("!") or _BANNER.match(s) or s == "end":
            continue
        out.append(s)
    return "\n".join(out) + "\n" if out else ""


def config_lines(text: str) -> list[str]:
    """The lines to type into a session for ``text`` (indentation kept: EOS ignores it)."""
    return normalize_eos(text).splitlines()


def diff_lines(diff: str) -> list[str]:
    return [x for x in diff.splitlines() if x[:1] in "+-" and not x.startswith(("+++", "---"))]


def timer(seconds: int) -> str:
    seconds = max(1, int(seconds))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class EosDriver(ConfirmDriver):
    """One EOS switch over netmiko."""

    files = FILES
    config_name = "EOS running-config"

    def connect(self) -> None:
        self.conn = CliChannel.open(
            self.access, DEVICE_TYPE, timeout=self.timeout, connect_timeout=self.connect_timeout
        )
        try:
            shown = self.conn.send("show hostname")
        except DriverError:
            self.close()
            raise
        m = re.search(r"Hostname:\s*(\S+)", shown)
        name = m.group(1).split(".", 1)[0] if m else "(none)"
        if name != self.access.name:
            self.close()
            raise DriverError(f"{self.access.name}: the SSH session is not the expected device (hostname {name!r})")

    def connected(self) -> bool:
        return self.conn is not None and bool(self.conn.alive)

    def _conn(self) -> CliChannel:
        if self.conn is None:
            raise DriverError(f"{self.access.name}: not connected")
        c: CliChannel = self.conn
        return c

    @property
    def session(self) -> str:
        return self.tag

    def read_config(self) -> str:
        raw = self._conn().send("show running-config")
        if "hostname" not in raw and "interface" not in raw and "end" not in raw:
            raise DriverError(f"{self.access.name}: `show running-config` gave no configuration")
        return normalize_eos(raw)

    def _push(self, session: str, text: str) -> None:
        c = self._conn()
        try:
            c.send_lines(["rollback clean-config", *config_lines(text)], enter=f"configure session {session}")
        except DriverError:
            if c.alive:
                c.send("end", check=False)
                c.send(f"configure session {session} abort", check=False)
            raise

    def stage(self, files: dict[str, str]) -> list[str]:
        self._push(self.session, files["startup-config"])
        c = self._conn()
        diff = c.send("show session-config diffs")
        self.candidate = normalize_eos(c.send("show session-config"))
        c.send("end")
        return diff_lines(diff)

    def commit_with_timer(self, seconds: int) -> None:
        c = self._conn()
        c.send(f"configure session {self.session}")
        c.send(f"commit timer {timer(seconds)}")

    def commit_confirm(self) -> None:
        self._conn().send(f"configure session {self.session} commit")

    def cancel_pending(self) -> None:
        c = self._conn()
        c.send("end", check=False)
        c.send(f"configure session {self.session} abort", check=False)

    def replace_config(self, text: str) -> None:
        session = f"{self.session}-r"
        self._push(session, text)
        self._conn().send("commit")
