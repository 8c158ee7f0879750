"""A real slurmctld (Debian's Slurm) on loopback for tests: started and stopped by PID.

``AuthType=auth/none`` and ``CredType=cred/none`` (no munge), a private state folder, ports
picked free on 127.0.0.1. The rendered ``nodes.conf``, ``topology.conf`` and ``gres.conf`` are
copied unchanged beside a minimal ``slurm.conf`` that includes ``nodes.conf``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SLURMCTLD = shutil.which("slurmctld") or "/usr/sbin/slurmctld"
SCONTROL = shutil.which("scontrol") or "/usr/bin/scontrol"
SLURMD = shutil.which("slurmd") or "/usr/sbin/slurmd"


def have_slurm() -> bool:
    return all(os.access(p, os.X_OK) for p in (SLURMCTLD, SCONTROL))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slurm_conf(folder: Path, cluster: str, partition_nodes: str = "ALL") -> str:
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    return "\n".join(
        [
            f"ClusterName={cluster[:40]}",
            "SlurmctldHost=localhost(127.0.0.1)",
            f"SlurmctldPort={free_port()}",
            f"SlurmdPort={free_port()}",
            "AuthType=auth/none",
            "CredType=cred/none",
            f"SlurmUser={user}",
            f"StateSaveLocation={folder}/state",
            f"SlurmdSpoolDir={folder}/spool",
            f"SlurmctldPidFile={folder}/slurmctld.pid",
            f"SlurmdPidFile={folder}/slurmd.pid",
            f"SlurmctldLogFile={folder}/slurmctld.log",
            "MpiDefault=none",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "MailProg=/bin/true",
            "TopologyPlugin=topology/tree",
            "GresTypes=gpu,rdma",
            "ReturnToService=2",
            "Include nodes.conf",
            f"PartitionName=all Nodes={partition_nodes} Default=YES State=UP",
            "",
        ]
    )


@dataclass
class Slurmctld:
    folder: Path
    proc: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.folder / "slurm.conf")}

    def scontrol(self, *args: str, timeout: float = 30) -> str:
        res = subprocess.run(
            [SCONTROL, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if res.returncode != 0:
            raise RuntimeError(f"scontrol {' '.join(args)}: {res.stderr.strip()}")
        return res.stdout

    def log(self) -> str:
        p = self.folder / "slurmctld.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def hostnames(self, hostlist: str) -> list[str]:
        return self.scontrol("show", "hostnames", hostlist).split()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def start_slurmctld(folder: Path, files: dict[str, str], cluster: str, timeout: float = 60) -> Slurmctld:
    """Write ``files`` (name -> text) and slurm.conf into ``folder`` and start slurmctld -D."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "state").mkdir(exist_ok=True)
    (folder / "spool").mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "slurm.conf").write_text(slurm_conf(folder, cluster))
    proc = subprocess.Popen(
        [SLURMCTLD, "-D", "-i", "-f", str(folder / "slurm.conf")],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "slurmctld.stderr", "wb"),  # noqa: SIM115
        env={**os.environ, "SLURM_CONF": str(folder / "slurm.conf")},
    )
    ctl = Slurmctld(folder, proc)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"slurmctld exited {proc.returncode}:\n{ctl.log()[-3000:]}")
        try:
            ctl.scontrol("ping", timeout=5)
            if "UP" in ctl.scontrol("ping", timeout=5):
                return ctl
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        if time.monotonic() > deadline:
            ctl.stop()
            raise RuntimeError(f"slurmctld did not answer within {timeout} s:\n{ctl.log()[-3000:]}")
        time.sleep(0.2)


def parse_topology(text: str) -> dict[str, dict[str, str]]:
    """``scontrol show topology`` -> switch name -> its fields (Level, Nodes, Switches, ...)."""
    out: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        if "SwitchName" in fields:
            out[fields["SwitchName"]] = fields
    return out
