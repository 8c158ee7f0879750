"""Start and stop a stand-in device (see ``tests.standins``): a real sshd on 127.0.0.1.

``Standin(kind, name, folder).start()`` writes the device's state folder (``kind``,
``hostname``, ``running``, stand-in tools in ``bin/``), a host key and a client key, and starts
``/usr/sbin/sshd -D`` listening on a free high port of 127.0.0.1 only, with the stand-in as its
``ForceCommand``. ``stop()`` ends that sshd, every session it forked and every commit timer the
stand-in started, by PID. ``access()`` is the ``DeviceAccess`` aidc uses to reach it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.standins.core import DeviceState
from toolkit.targets import DeviceAccess

HERE = Path(__file__).resolve().parent
SSHD = "/usr/sbin/sshd"
TOOLS = {
    "cumulus": {"nv": "nvue.py"},
    "sonic": {"config": "sonic.py", "show": "sonic.py", "vtysh": "sonic.py", "docker": "sonic.py"},
}


def why_no_sshd() -> str | None:
    if not Path(SSHD).exists():
        return "stand-in tests need /usr/sbin/sshd (Debian package openssh-server)"
    if not Path("/usr/lib/openssh/sftp-server").exists():
        return "stand-in tests need /usr/lib/openssh/sftp-server"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Standin:
    def __init__(self, kind: str, name: str, folder: Path, running: str = "", release: str | None = None) -> None:
        self.kind = kind
        self.release = release
        """NOS release the stand-in emulates (NVUE: the object model it validates against)."""
        self.name = name
        self.dir = Path(folder)
        self.state = DeviceState(self.dir)
        self.initial = running
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    # -- set-up

    def start(self) -> Standin:
        d = self.dir
        d.mkdir(parents=True, exist_ok=True)
        (d / "kind").write_text(self.kind + "\n")
        (d / "hostname").write_text(self.name + "\n")
        if self.release:
            (d / "release").write_text(self.release + "\n")
        if not (d / "running").exists():
            self.state.running = self.initial
            if self.kind == "cumulus":  # NVUE: the startup configuration is revision 1
                from tests.standins.nvue import NvueState

                NvueState(d).add_revision(self.initial, "startup")
        bindir = d / "bin"
        bindir.mkdir(exist_ok=True)
        for tool, script in TOOLS.get(self.kind, {}).items():
            p = bindir / tool
            p.write_text(f'#!/bin/sh\nexec {sys.executable} {HERE / script} {tool} "$@"\n')
            p.chmod(0o755)
        host = bindir / "hostname"
        host.write_text(f"#!/bin/sh\ncat {d / 'hostname'}\n")
        host.chmod(0o755)
        ssh = d / "ssh"
        ssh.mkdir(mode=0o700, exist_ok=True)
        for key in ("host_key", "id_ed25519"):
            if not (ssh / key).exists():
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ssh / key)], check=True)
        (ssh / "authorized_keys").write_text((ssh / "id_ed25519.pub").read_text())
        (ssh / "authorized_keys").chmod(0o600)
        self.port = free_port()
        conf = ssh / "sshd_config"
        conf.write_text(
            "\n".join(
                [
                    "# aidc STAND-IN device (tests/standins): not the vendor's software",
                    f"ListenAddress 127.0.0.1:{self.port}",
                    f"HostKey {ssh / 'host_key'}",
                    f"AuthorizedKeysFile {ssh / 'authorized_keys'}",
                    "PidFile none",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "UseDNS no",
                    "PrintMotd no",
                    "PrintLastLog no",
                    "MaxStartups 50:30:100",
                    f"ForceCommand {sys.executable} {HERE / 'login.py'}",
                    f"SetEnv AIDC_STANDIN_DIR={d}",
                    "Subsystem sftp /usr/lib/openssh/sftp-server",
                    "",
                ]
            )
        )
        hostpub = (ssh / "host_key.pub").read_text().split()
        (ssh / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {hostpub[0]} {hostpub[1]}\n")
        log = open(d / "sshd.log", "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(conf)], stdout=log, stderr=log)
        log.close()
        (d / "sshd.pid").write_text(f"{self.proc.pid}\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stand-in sshd exited: {(d / 'sshd.log').read_text()[-500:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.05)
        raise RuntimeError("stand-in sshd did not listen within 10 s")

    def access(self, **over: Any) -> DeviceAccess:
        ssh = self.dir / "ssh"
        fields: dict[str, Any] = {
            "name": self.name,
            "kind": "switch",
            "role": "leaf",
            "platform": self.kind,
            "address": "127.0.0.1",
            "port": self.port,
            "user": os.environ.get("USER") or "root",
            "key_file": str(ssh / "id_ed25519"),
            "known_hosts": str(ssh / "known_hosts"),
            "identity": {} if self.kind == "eos" else {"$(hostname -s)": self.name},
            "frr_confdir": str(self.dir / "etc"),
        }
        fields.update(over)
        return DeviceAccess(**fields)

    # -- faults and inspection

    def inject(self, match: str, action: str, **extra: Any) -> None:
        faults = json.loads(self.state.read("faults.json") or "[]")
        faults.append({"match": match, "action": action, **extra})
        self.state.write("faults.json", json.dumps(faults))

    def transcript(self) -> list[str]:
        return self.state.read("transcript").splitlines()

    def wait_rolled_back(self, timeout: float) -> bool:
        """Wait until the device rolled a commit back by itself (its transcript says so)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(x.startswith("# rolled back:") for x in self.transcript()):
                return True
            time.sleep(0.2)
        return False

    # -- tear-down (by PID only)

    def stop(self) -> None:
        pids: list[int] = []
        if self.proc is not None:
            pids += _children(self.proc.pid)
        pids += [int(x) for x in self.state.read("pids").split() if x.strip()]
        pids += _marked(f"AIDC_STANDIN_DIR={self.dir}")  # what the device's shell left running
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            self.proc = None


def _marked(marker: str) -> list[int]:
    """PIDs of processes whose environment holds ``marker`` (started in this stand-in's sessions)."""
    out: list[int] = []
    want = marker.encode()
    for p in Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if want in (p / "environ").read_bytes().split(b"\0"):
                out.append(int(p.name))
    return out


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (sessions forked by that sshd), deepest last."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            out += [int(k) for k in kids]
            todo += [int(k) for k in kids]
    return out
