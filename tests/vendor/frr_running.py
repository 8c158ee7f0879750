"""Real FRR daemons for one rendered frr.conf: what ``show running-config`` prints back.

``running_config(conf, hostname)`` makes a network namespace of its own (``aidc-rc<pid>-<n>``,
with its FRR pathspace ``/etc/frr/<ns>`` and ``/var/run/frr/<ns>``), starts zebra, bgpd and
staticd there in the foreground under the switch's hostname (own UTS namespace: vtysh prints the
system hostname), loads ``conf`` the way the ``frr`` apply driver does (``frr-reload.py --reload``
onto daemons started with FRR's packaged minimal config), reads ``vtysh -c 'show running-config'``
and removes everything again: the daemons by the PIDs it started, the namespace and the
pathspace directories by name. Needs root and the Debian ``frr`` package.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import time

from toolkit.lab.processes import ns_argv
from toolkit.lab.state import FRR_BIN, FRR_ETC, FRR_RELOAD, FRR_RUN

DAEMONS = ("zebra", "bgpd", "staticd")
PROFILE = "datacenter"
_SEQ = itertools.count()


class FrrBoxError(Exception):
    """The daemons did not start or the config could not be loaded."""


def available() -> str | None:
    """Why real daemons cannot run here (None: they can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, FRR daemons)"
    missing = [str(FRR_BIN / d) for d in DAEMONS if not (FRR_BIN / d).exists()]
    if missing or not FRR_RELOAD.exists() or shutil.which("vtysh") is None:
        return f"FRR is not installed ({', '.join(missing) or 'frr-reload.py/vtysh'})"
    return None


def _run(argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def running_config(conf: str, hostname: str, *, timeout: float = 30) -> tuple[str, str]:
    """(``show running-config`` after ``conf`` was frr-reloaded, frr-reload's output)."""
    ns = f"aidc-rc{os.getpid()}-{next(_SEQ)}"
    etc, run = FRR_ETC / ns, FRR_RUN / ns
    procs: list[subprocess.Popen[bytes]] = []
    cp = _run(["ip", "netns", "add", ns])
    if cp.returncode != 0:
        raise FrrBoxError(f"ip netns add {ns}: {cp.stderr.strip()}")
    try:
        etc.mkdir(parents=True)
        run.mkdir(parents=True, exist_ok=True)
        # what the Debian package installs before aidc applies anything
        (etc / "frr.conf").write_text(f"frr defaults {PROFILE}\nhostname {hostname}\n"
                                      "service integrated-vtysh-config\n!\n")
        (etc / "vtysh.conf").write_text("service integrated-vtysh-config\n")
        (etc / "intended.conf").write_text(conf)
        for p in (etc, run, *etc.iterdir()):
            shutil.chown(p, "frr", "frr")
        log = etc / "daemons.log"
        with open(log, "ab") as fh:
            for d in DAEMONS:
                argv = ns_argv(ns, hostname, [str(FRR_BIN / d), "-N", ns, "-F", PROFILE, "-P", "0", "--log", "stdout"])
                procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                              start_new_session=True))
        deadline = time.monotonic() + timeout
        while not all((run / f"{d}.vty").exists() for d in DAEMONS):
            dead = [d for d, p in zip(DAEMONS, procs, strict=True) if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                why = "exited" if dead else "did not open their vty"
                raise FrrBoxError(f"FRR {', '.join(dead) or 'daemons'} {why}: {log.read_text(errors='replace')[-800:]}")
            time.sleep(0.05)
        reload = _run(ns_argv(ns, hostname, [str(FRR_RELOAD), "--reload", "--stdout", "-N", ns, "--confdir",
                                             str(FRR_ETC), str(etc / "intended.conf")]))
        if reload.returncode != 0:
            raise FrrBoxError(f"frr-reload failed ({reload.returncode}): {(reload.stdout + reload.stderr)[-2000:]}")
        shown = _run(ns_argv(ns, hostname, ["vtysh", "-N", ns, "-c", "show running-config"]))
        if shown.returncode != 0 or "Current configuration" not in shown.stdout:
            raise FrrBoxError(f"vtysh show running-config failed: {shown.stderr.strip()[-800:]}")
        return shown.stdout, reload.stdout + reload.stderr
    finally:
        for p in procs:  # by the PID this module started (the ns_argv chain execs into the daemon)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        _run(["ip", "netns", "del", ns])
        shutil.rmtree(etc, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)
