"""Processes of the lab: spawned inside a device's namespace (recorded by PID and start time),
found by namespace, signalled only by recorded PID or because they live in a lab namespace.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from toolkit.lab.state import DownReport, LabError, LabState, ProcessRecord
from toolkit.lab.topology import LabExternal, LabNode

WRAP = 'hostname "$0" && exec "$@"'


def ns_argv(namespace: str, hostname: str, argv: Sequence[str]) -> list[str]:
    """argv that runs ``argv`` in ``namespace`` with its own UTS namespace named ``hostname``."""
    return ["ip", "netns", "exec", namespace, "unshare", "--uts", "--", "sh", "-c", WRAP, hostname, *argv]


CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def proc_start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def record_alive(rec: ProcessRecord) -> bool:
    return proc_start_time(rec.pid) == rec.start_time


def _proc_kib(path: str, key: str) -> int:
    """The kiB figure of line ``key`` in a /proc file (0 when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid: int) -> int:
    return _proc_kib(f"/proc/{pid}/status", "VmRSS:")


def pss_kib(pid: int) -> int:
    """Proportional set size: shared libraries split between the processes using them."""
    return _proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def spawn(st: LabState, node: LabNode | LabExternal | None, name: str, argv: list[str], log: Path) -> ProcessRecord:
    ns = node.namespace if node else st.topology.oob_namespace
    host = node.hostname if node else "oob"
    full = ns_argv(ns, host, argv)
    with open(log, "ab") as fh:
        p = subprocess.Popen(
            full, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    CHILDREN[p.pid] = p
    start = proc_start_time(p.pid)
    rec = ProcessRecord(
        device=node.device if node else None,
        name=name,
        pid=p.pid,
        start_time=start if start is not None else -1,
        argv=full,
        log=str(log),
    )
    st.processes.append(rec)
    return rec


def run_cmd(argv: Sequence[str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    cp = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
    if check and cp.returncode != 0:
        raise LabError(f"{' '.join(argv[:6])}... failed ({cp.returncode}): {cp.stderr.strip()[:2000]}")
    return cp


def run_parallel(jobs: list[tuple[list[str], str | None]], what: str, width: int = 16) -> None:
    """Run short commands concurrently (``width`` at a time); raise on the first failure."""
    errors: list[str] = []
    pending = list(jobs)
    running: list[tuple[subprocess.Popen[str], str | None, list[str]]] = []
    while pending or running:
        while pending and len(running) < width:
            argv, data = pending.pop(0)
            p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            running.append((p, data, argv))
        p, data, argv = running.pop(0)
        _out, err = p.communicate(data)
        if p.returncode != 0:
            errors.append(f"{' '.join(argv[:5])}: {err.strip()[:500]}")
    if errors:
        raise LabError(f"{what} failed: " + "; ".join(errors[:5]))


def namespace_pids(namespaces: Iterable[str]) -> dict[int, str]:
    """PIDs of every process whose network namespace is one of ``namespaces``."""
    inodes: dict[int, str] = {}
    for ns in namespaces:
        with contextlib.suppress(OSError):
            inodes[os.stat(f"/run/netns/{ns}").st_ino] = ns
    if not inodes:
        return {}
    found: dict[int, str] = {}
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            ino = os.stat(f"/proc/{entry.name}/ns/net").st_ino
        except OSError:
            continue
        if ino in inodes:
            found[int(entry.name)] = inodes[ino]
    return found


def reap(pid: int) -> None:
    p = CHILDREN.get(pid)
    if p is not None:
        with contextlib.suppress(Exception):
            if p.poll() is not None:
                CHILDREN.pop(pid, None)
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def pid_alive(pid: int) -> bool:
    reap(pid)
    return proc_start_time(pid) is not None


def terminate(pids: Iterable[int], report: DownReport, grace: float = 3.0) -> None:
    pids = sorted(set(pids))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            report.killed.append(pid)
    deadline = time.monotonic() + grace
    left = [p for p in pids if pid_alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if pid_alive(p)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            report.force_killed.append(pid)
    deadline = time.monotonic() + 2.0
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if pid_alive(p)]
    for pid in left:
        report.errors.append(f"process {pid} did not exit")
