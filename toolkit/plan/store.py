"""What aidc remembers per target: ``<state>/targets/<target>/<cluster>/``.

  applied/<device>/record.json     hashes of the applied files, running-state fingerprint, when
  applied/<device>/files/<name>    the files as applied (frr.conf, network.json, host_vars.yml)
  applied/<device>/running/...     the running state read right after that apply (frr.conf, net.txt)
  backups/<apply-id>/<device>/...  running state before an apply changed the device
  lock                             fcntl.flock by the apply in progress (holds its PID)
  audit.jsonl                      one JSON line per apply (who, when, devices, result, hashes)

A device's ``applied/<device>`` folder is replaced whole (rename) and only after the device was
applied successfully, so it always describes one complete apply.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from toolkit.drivers.state import Backup, RunningState

KEEP_BACKUPS = 20


class ApplyError(RuntimeError):
    """apply cannot start (another apply runs, the target is unusable, ...)."""


class ApplyLockedError(ApplyError):
    """Another apply holds the target's lock."""

    def __init__(self, message: str, holder_pid: int | None) -> None:
        super().__init__(message)
        self.holder_pid = holder_pid


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def iso(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(ts if ts is not None else time.time()))


class AppliedRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str
    kind: str
    apply_id: str
    applied_at: str
    files: dict[str, str] = Field(description="file name -> sha256 of the applied text")
    artifacts: dict[str, str] = Field(default_factory=dict, description="file name -> artifact path")
    running_fingerprint: str | None = Field(
        default=None, description="RunningState.fingerprint(sysctl_keys) read right after the apply"
    )
    sysctl_keys: list[str] = Field(
        default_factory=list, description="sysctls (beyond the base ones) the fingerprint covers (servers)"
    )

    def matches(self, running: RunningState) -> bool:
        """Does the device still run what was recorded after this apply?"""
        return self.running_fingerprint is not None and self.running_fingerprint == running.fingerprint(
            self.sysctl_keys
        )


class TargetStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- applied state

    def applied_dir(self, device: str) -> Path:
        return self.root / "applied" / device

    def record(self, device: str) -> AppliedRecord | None:
        p = self.applied_dir(device) / "record.json"
        if not p.is_file():
            return None
        try:
            return AppliedRecord.model_validate_json(p.read_text())
        except ValueError:
            return None

    def applied_text(self, device: str, name: str) -> str | None:
        p = self.applied_dir(device) / "files" / name
        return p.read_text() if p.is_file() else None

    def recorded_running(self, device: str) -> tuple[str | None, str | None]:
        """(FRR running config, interface state text) read right after the last apply."""
        d = self.applied_dir(device) / "running"
        frr = d / "frr.conf"
        net = d / "net.txt"
        return (frr.read_text() if frr.is_file() else None, net.read_text() if net.is_file() else None)

    def save_applied(
        self,
        record: AppliedRecord,
        files: dict[str, str],
        running: RunningState | None,
    ) -> None:
        final = self.applied_dir(record.device)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{record.device}.", dir=final.parent))
        try:
            (tmp / "files").mkdir()
            for name, text in files.items():
                (tmp / "files" / name).write_text(text)
            if running is not None:
                (tmp / "running").mkdir()
                if running.frr is not None:
                    (tmp / "running" / "frr.conf").write_text(running.frr)
                (tmp / "running" / "net.txt").write_text(running.net.text())
                (tmp / "running" / "net.json").write_text(running.net.canonical())
            (tmp / "record.json").write_text(record.model_dump_json(indent=1))
            old = None
            if final.exists():
                old = final.with_name(f".{record.device}.old.{os.getpid()}.{time.monotonic_ns()}")
                os.rename(final, old)
            os.rename(tmp, final)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    # -- backups

    def save_backup(self, apply_id: str, backup: Backup) -> Path:
        d = self.root / "backups" / apply_id / backup.device
        d.mkdir(parents=True, exist_ok=True)
        if backup.running.frr is not None:
            (d / "frr.conf").write_text(backup.running.frr)
        (d / "net.json").write_text(backup.running.net.canonical())
        (d / "net.txt").write_text(backup.running.net.text())
        if backup.previous_network is not None:
            (d / "network.json").write_text(backup.previous_network)
        return d

    def prune_backups(self, keep: int = KEEP_BACKUPS) -> None:
        base = self.root / "backups"
        if not base.is_dir():
            return
        runs = sorted((p for p in base.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for p in runs[:-keep] if keep > 0 else runs:
            shutil.rmtree(p, ignore_errors=True)

    # -- audit

    def append_audit(self, entry: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
        fd = os.open(self.root / "audit.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def audit(self) -> list[dict[str, Any]]:
        p = self.root / "audit.jsonl"
        if not p.is_file():
            return []
        return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]

    # -- lock

    def lock(self) -> ApplyLock:
        return ApplyLock(self.root / "lock")


class ApplyLock:
    """Non-blocking exclusive ``fcntl.flock`` on the target's lock file; holds the owner's PID."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            pid = holder.get("pid") if isinstance(holder.get("pid"), int) else None
            since = f", since {holder['since']}" if holder.get("since") else ""
            who = f"pid {pid}{since}" if pid else "an unknown process"
            raise ApplyLockedError(
                f"another apply is running on this target: {self.path} is locked by {who}; "
                "wait for it to finish (the lock is released when that process exits)",
                pid,
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": iso()}).encode() + b"\n", 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> ApplyLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        val = json.loads(data) if data else {}
        return val if isinstance(val, dict) else {}
    except (OSError, ValueError):
        return {}
