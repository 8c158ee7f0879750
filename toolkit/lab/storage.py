"""Storage in the twin: where each storage server's Ceph daemons keep their files, the variables
that make ``playbooks/ceph.yml`` deploy from the Debian packages without systemd, the S3 keys of
the health-check user, and stopping every Ceph daemon by PID at ``lab down``.

Namespaces share one filesystem, so every server gets its own folder
``<lab run dir>/storage/<server>/`` (etc, data, run, log). The playbook starts each daemon with
``-f`` in the background of its own session and writes its PID to ``run/<daemon>.pid``; OSDs use
``memstore``. ``lab down`` (``stop_storage``) stops those PIDs (start time and command checked)
before the namespaces go; anything left in a namespace is still found by the namespace sweep.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toolkit.lab.state import LabState
    from toolkit.targets import Target

CEPH_BINARIES = ("ceph-mon", "ceph-mgr", "ceph-osd", "radosgw", "ceph-mds")
S3_FILE = "storage-s3.json"


def storage_dir(st: LabState) -> Path:
    return Path(st.run_dir) / "storage"


def server_root(st: LabState, device: str) -> Path:
    return storage_dir(st) / device


def lab_storage_extravars(target: Target) -> dict[str, Any]:
    st = target.state  # type: ignore[attr-defined]
    return {
        "aidc_ceph_mode": "packages",
        "aidc_ceph_service": "foreground",
        "aidc_ceph_objectstore": "memstore",
        "aidc_ceph_install": False,
        "aidc_ceph_root": f"{storage_dir(st)}/{{{{ inventory_hostname }}}}",
        "aidc_ceph_wait": 180,
        # the twin's folders share the machine's disk: warn about it only when nearly full. Shorter
        # intervals than production's 5 s, for a cluster made of three namespaces on one machine:
        # PG states reach the managers and the monitors' status each second (the playbook's last
        # step waits for that status), and monitors that started a moment apart settle their
        # first election after 2 s instead of waiting 5 s for the last one's ack
        "aidc_ceph_daemon_args": "--mon-data-avail-warn=5 --mgr-stats-period=1 --mon-mgr-digest-period=1 "
        "--mon-election-timeout=2",
        # no device-health pool: memstore OSDs have no device to watch, and the pool would be
        # made (and peer) after the designed ones
        "aidc_ceph_config": [{"who": "mgr", "name": "mgr/devicehealth/enable_monitoring", "value": "false"}],
    }


def lab_s3_credentials(target: Target) -> tuple[str, str]:
    """(access key, secret key) of the twin's health-check S3 user: made once, kept 0600 in the
    lab folder (removed by lab down)."""
    st = target.state  # type: ignore[attr-defined]
    path = Path(st.lab_dir) / S3_FILE
    if path.exists():
        data = json.loads(path.read_text())
        return str(data["access"]), str(data["secret"])
    access = "AIDC" + secrets.token_hex(8).upper()
    secret = secrets.token_urlsafe(30)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"access": access, "secret": secret}, fh)
    return access, secret


def s3_credentials_of(lab_dir: str | Path) -> tuple[str, str] | None:
    path = Path(lab_dir) / S3_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return str(data["access"]), str(data["secret"])


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [x.decode(errors="replace") for x in raw.split(b"\0") if x]


def daemons(st: LabState) -> list[dict[str, Any]]:
    """Every Ceph daemon the playbook started in this lab: server, daemon, PID, alive, RSS (KiB)."""
    out: list[dict[str, Any]] = []
    base = storage_dir(st)
    if not base.is_dir():
        return out
    for pidf in sorted(base.glob("*/run/*.pid")):
        device = pidf.parent.parent.name
        with contextlib.suppress(ValueError, OSError):
            pid = int(pidf.read_text().strip())
            argv = _cmdline(pid)
            ours = bool(argv) and Path(argv[0]).name in CEPH_BINARIES
            rss = 0
            if ours:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
            out.append({"device": device, "daemon": pidf.stem, "pid": pid, "alive": ours, "rss_kib": rss})
    return out


def stop_daemon(st: LabState, device: str, daemon: str, sig: int = signal.SIGTERM) -> int | None:
    """Stop one daemon (e.g. ``osd.1``) of ``device`` by its recorded PID; returns the PID."""
    for d in daemons(st):
        if d["device"] == device and d["daemon"] == daemon and d["alive"]:
            os.kill(d["pid"], sig)
            return int(d["pid"])
    return None


def stop_storage(st: LabState, grace: float = 5.0) -> list[int]:
    """SIGTERM every live Ceph daemon of the lab (by PID), SIGKILL what is left after ``grace``."""
    pids = [d["pid"] for d in daemons(st) if d["alive"]]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    left = list(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        for pid in list(left):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
            argv = _cmdline(pid)
            if not argv or Path(argv[0]).name not in CEPH_BINARIES:
                left.remove(pid)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids
