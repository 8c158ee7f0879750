"""Restart one daemon of a lab device that died (``aidc lab restart-daemon``).

The daemon is started again with the command line recorded when the lab came up (same
namespace, hostname, sockets, log), its record is replaced by the new PID before anything else
happens, and the restart is proven the way ``lab up`` proves it: sshd listens on the device's
management address, lldpd answers on its socket, an FRR daemon has its vty socket and the
device's FRR config is loaded again (``vtysh -b``). A daemon that still runs is left alone
unless ``force`` (then it is stopped by its recorded PID first).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from toolkit.lab.daemons import listening
from toolkit.lab.processes import CHILDREN, ns_argv, pid_alive, proc_start_time, record_alive
from toolkit.lab.state import FRR_RUN, LabError, LabState, ProcessRecord, lldp_socket, require_state, save_state
from toolkit.lab.topology import LabNode

READY_SECONDS = 20.0


def _stop(rec: ProcessRecord, grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL, to the recorded PID only (checked against its start time)."""
    if not record_alive(rec):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(rec.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pid_alive(rec.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if record_alive(rec):
        with contextlib.suppress(ProcessLookupError):
            os.kill(rec.pid, signal.SIGKILL)
        deadline = time.monotonic() + 2.0
        while pid_alive(rec.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    if record_alive(rec):
        raise LabError(f"{rec.device}: {rec.name} (pid {rec.pid}) did not stop")


def _answers(path: Path | str) -> bool:
    """Does a daemon accept connections on this unix socket (not just: does the file exist)?"""
    if not Path(path).exists():
        return False
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
        except OSError:
            return False
    return True


def _vty_socket(node: LabNode, daemon: str) -> Path:
    return FRR_RUN / node.namespace / f"{daemon}.vty"


def _ready(st: LabState, node: LabNode, rec: ProcessRecord) -> bool:
    if rec.name == "sshd":
        return listening(rec.pid, node.mgmt_ip, 22)
    if rec.name == "lldpd":
        return _answers(lldp_socket(st, node.device))
    return _answers(_vty_socket(node, rec.name))


def _clean_stale(st: LabState, node: LabNode, rec: ProcessRecord) -> None:
    """Files a killed daemon leaves behind: they stop a new one from starting (lldpd) or make it
    look ready before it is (an FRR daemon's vty socket outlives a SIGKILL; ``vtysh -b`` run
    against it skips the daemon and leaves it without configuration)."""
    paths: list[Path | str] = []
    if rec.name == "lldpd":
        paths = [lldp_socket(st, node.device), Path(st.run_dir) / f"{node.device}.lldpd.pid"]
    elif node.frr and rec.name != "sshd":
        paths = [_vty_socket(node, rec.name)]
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def lab_restart_daemon(
    cluster: str, state_dir: Path | str, device: str, daemon: str, *, force: bool = False
) -> ProcessRecord:
    """Start ``daemon`` of ``device`` again (see the module docstring); the new record."""
    st = require_state(cluster, state_dir)
    try:
        node = st.node(device)
    except KeyError:
        raise LabError(f"{device!r} is not a device of lab {cluster}") from None
    index = next((i for i, r in enumerate(st.processes) if r.device == device and r.name == daemon), None)
    if index is None:
        names = sorted({r.name for r in st.processes if r.device == device})
        raise LabError(f"{device} runs no {daemon!r} in lab {cluster} (its daemons: {', '.join(names) or 'none'})")
    old = st.processes[index]
    if record_alive(old):
        if not force:
            raise LabError(f"{device}: {daemon} is running (pid {old.pid}); use --force to restart it anyway")
        _stop(old)
    _clean_stale(st, node, old)
    with open(old.log or os.devnull, "ab") as fh:
        p = subprocess.Popen(
            old.argv, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    CHILDREN[p.pid] = p
    start = proc_start_time(p.pid)
    new = old.model_copy(update={"pid": p.pid, "start_time": start if start is not None else -1})
    st.processes[index] = new
    save_state(st)  # recorded before it is waited for: lab down finds it whatever happens next
    deadline = time.monotonic() + READY_SECONDS
    while not _ready(st, node, new):
        if not record_alive(new):
            tail = Path(new.log).read_text(errors="replace")[-600:] if new.log and Path(new.log).exists() else ""
            raise LabError(f"{device}: {daemon} (pid {new.pid}) exited right after the restart:\n{tail}")
        if time.monotonic() > deadline:
            raise LabError(f"{device}: {daemon} (pid {new.pid}) started but is not ready after {READY_SECONDS:.0f} s")
        time.sleep(0.05)
    if node.frr and daemon not in ("sshd", "lldpd"):
        cp = subprocess.run(
            ns_argv(node.namespace, node.hostname, ["vtysh", "-N", node.namespace, "-b"]),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if cp.returncode != 0:
            raise LabError(f"{device}: {daemon} restarted but its config did not load: {cp.stderr.strip()[-400:]}")
        _prove_config_loaded(node, daemon)
    return new


def _prove_config_loaded(node: LabNode, daemon: str) -> None:
    """The restarted daemon holds its part of frr.conf: the ``router`` blocks the integrated config
    gives it appear in its own running config (a ``vtysh -b`` that skipped it exits 0 all the same)."""
    conf = Path("/etc/frr") / node.namespace / "frr.conf"
    owned = {"bgpd": "router bgp", "ospfd": "router ospf", "isisd": "router isis"}.get(daemon)
    if owned is None or not conf.exists():
        return
    want = [line.strip() for line in conf.read_text().splitlines() if line.startswith(owned)]
    if not want:
        return
    cp = subprocess.run(
        ns_argv(
            node.namespace, node.hostname, ["vtysh", "-N", node.namespace, "-d", daemon, "-c", "show running-config"]
        ),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    have = {line.strip() for line in cp.stdout.splitlines()}
    missing = [w for w in want if w not in have]
    if missing:
        raise LabError(f"{node.device}: {daemon} restarted but does not hold {missing[0]!r} from {conf}")
