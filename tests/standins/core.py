"""State of one stand-in device (see ``tests.standins``): files in one folder, one lock.

- ``running``: the running configuration (text);
- ``pending.json``: a commit waiting for its confirm: ``token``, ``owner`` (EOS session name /
  NVUE revision), ``deadline`` (epoch seconds) and ``rollback`` (the configuration to go back to);
- ``pids``: processes the stand-in started (commit timers), killed by the test fixture;
- ``faults.json``: ``[{"match": regex, "action": "drop" | "block" | "signal" | "sleep", "pid": N,
  "signal": N}]``; the first fault whose regex matches a command fires once and is removed;
- ``blocked``: while it exists every new login is refused (the device "stopped answering");
- ``transcript``: every command the device received, one per line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TIMER = Path(__file__).with_name("timer.py")


class DeviceState:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- files

    def _p(self, name: str) -> Path:
        return self.root / name

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with open(self._p("lock"), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def read(self, name: str, default: str = "") -> str:
        p = self._p(name)
        return p.read_text() if p.exists() else default

    def write(self, name: str, text: str) -> None:
        tmp = self._p(f".{name}.{uuid.uuid4().hex[:6]}")
        tmp.write_text(text)
        tmp.replace(self._p(name))

    @property
    def running(self) -> str:
        return self.read("running")

    @running.setter
    def running(self, text: str) -> None:
        self.write("running", text)

    @property
    def hostname(self) -> str:
        return self.read("hostname").strip() or "switch"

    def log(self, command: str) -> None:
        with open(self._p("transcript"), "a") as fh:
            fh.write(command.rstrip("\n") + "\n")

    # -- commit timers

    def pending(self) -> dict[str, Any] | None:
        self.expire_if_due()
        text = self.read("pending.json")
        return json.loads(text) if text else None

    def start_pending(self, owner: str, seconds: float, rollback: str) -> dict[str, Any]:
        """Record a commit waiting for its confirm and start its timer (a detached process)."""
        token = uuid.uuid4().hex[:8]
        pend = {"token": token, "owner": owner, "deadline": time.time() + seconds, "rollback": rollback}
        self.write("pending.json", json.dumps(pend))
        proc = subprocess.Popen(
            [sys.executable, str(TIMER), str(self.root), token],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with open(self._p("pids"), "a") as fh:
            fh.write(f"{proc.pid}\n")
        return pend

    def clear_pending(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._p("pending.json").unlink()

    def roll_back(self, reason: str) -> None:
        text = self.read("pending.json")
        if not text:
            return
        pend = json.loads(text)
        self.running = pend["rollback"]
        self.clear_pending()
        self.log(f"# rolled back: {reason}")
        self.on_rollback(pend)

    def on_rollback(self, pend: dict[str, Any]) -> None:
        """Hook for a NOS that keeps more state than ``running`` (history)."""

    def expire_if_due(self) -> None:
        text = self.read("pending.json")
        if text and json.loads(text)["deadline"] <= time.time():
            self.roll_back("commit timer expired without confirm")

    # -- faults

    @property
    def blocked(self) -> bool:
        return self._p("blocked").exists()

    def fault(self, command: str, when: str = "before") -> None:
        """Fire the first fault matching ``command`` (see the module docstring); ``when``:
        ``before`` the command is carried out or ``after`` it (the fault's ``when``, default before)."""
        text = self.read("faults.json")
        if not text:
            return
        faults = json.loads(text)
        for i, f in enumerate(faults):
            if f.get("when", "before") == when and re.search(f["match"], command):
                if f.get("skip", 0) > 0:  # let this many matches pass first
                    f["skip"] -= 1
                    self.write("faults.json", json.dumps(faults))
                    return
                del faults[i]
                self.write("faults.json", json.dumps(faults))
                self.log(f"# fault {f['action']} at: {command}")
                if f["action"] == "sleep":  # the device is slow to answer
                    time.sleep(float(f.get("seconds", 1)))
                    return
                if f["action"] == "signal":
                    os.kill(int(f["pid"]), int(f.get("signal", signal.SIGINT)))
                    time.sleep(float(f.get("delay", 0.5)))
                    return
                if f["action"] == "block":  # the device stops answering: no new login either
                    self._p("blocked").write_text("stopped answering\n")
                    with contextlib.suppress(ValueError, OSError):
                        os.kill(int(self.read("sshd.pid")), signal.SIGKILL)
                if f["action"] in ("drop", "block"):
                    drop_connection()
                return


def drop_connection() -> None:
    """Kill the sshd process serving this connection: the client sees the socket close."""
    pid = os.getpid()
    for _ in range(4):  # up the tree to the per-connection sshd (below the listener)
        ppid = _ppid(pid)
        if ppid <= 1:
            break
        if _comm(ppid).startswith("sshd"):
            os.kill(ppid, signal.SIGKILL)
            break
        pid = ppid
    os._exit(255)


def _ppid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()
