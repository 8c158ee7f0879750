"""Where the checks run: a target reaches each device through testinfra over SSH.

``SshTarget`` is a real datacentre: an ssh_config that names every device, ``sudo`` for the
privileged tools, physical hardware (GPUs, RDMA NICs, DCB) where the Fabric says so. The lab
(``toolkit.health.lab``) only changes how to reach a device and how to call vtysh / lldpcli.
A target is rebuilt inside the pytest process from ``TargetSpec`` (JSON).
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from toolkit.health.model import HealthError

DEFAULT_TIMEOUT = 30.0
CONTROL_PERSIST = 30
"""Seconds an idle SSH master connection stays; every master is also closed explicitly."""


class TargetSpec(BaseModel):
    """Serialisable description of a target (passed to the pytest process)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["ssh", "lab", "ib-lab"]
    name: str = Field(description="shown in reports")
    ssh_config: str | None = None
    sudo: bool = True
    hardware: bool = True
    cluster: str | None = Field(default=None, description="lab: cluster name")
    state_dir: str | None = Field(default=None, description="lab: AIDC state directory")


@dataclass
class CommandResult:
    rc: int
    stdout: str
    stderr: str
    command: str


class Target:
    """Base: testinfra hosts over SSH with one multiplexed connection per device."""

    name = "ssh"
    hardware = True
    """Physical devices: GPUs, NVLink, RDMA NICs, DCB may exist and are checked."""

    def __init__(self, ssh_config: str | None = None, sudo: bool = True, hardware: bool = True) -> None:
        self.ssh_config = ssh_config
        self.sudo = sudo
        self.hardware = hardware
        self._hosts: dict[str, Any] = {}
        self._control_dir: str | None = None
        self._lock = threading.Lock()
        self._errors: dict[str, str] = {}

    # -- description ------------------------------------------------------------------
    def spec(self) -> TargetSpec:
        return TargetSpec(
            kind="ssh", name=self.name, ssh_config=self.ssh_config, sudo=self.sudo, hardware=self.hardware
        )

    def devices(self) -> set[str] | None:
        """Devices this target has (``None``: every device of the Fabric)."""
        return None

    # -- commands on a device ---------------------------------------------------------
    def privileged(self, command: str) -> str:
        return f"sudo -n {command}" if self.sudo else command

    def vtysh(self, device: str, *commands: str) -> str:
        """Shell command (run on ``device``) for ``vtysh -c ...``."""
        args = " ".join(f"-c {shlex.quote(c)}" for c in commands)
        return self.privileged(f"vtysh {args}")

    def lldp_neighbors(self, device: str) -> str:
        """Shell command (run on ``device``) printing lldpd's neighbours as ``json0``."""
        return self.privileged("lldpcli show neighbors -f json0")

    # -- transport ----------------------------------------------------------------------
    def _control_path(self, device: str) -> str:
        if self._control_dir is None:
            self._control_dir = tempfile.mkdtemp(prefix="aidc-ssh-", dir="/tmp")
        # no '%' tokens: testinfra %-formats the ssh command line
        return str(Path(self._control_dir) / f"c{len(self._hosts)}")

    def host(self, device: str) -> Any:
        """The testinfra host of ``device`` (``ssh://<device>`` with the target's ssh_config)."""
        with self._lock:
            h = self._hosts.get(device)
            if h is None:
                import testinfra

                kwargs: dict[str, Any] = {
                    "controlpath": self._control_path(device),
                    "controlpersist": CONTROL_PERSIST,
                    "timeout": 5,
                }
                if self.ssh_config:
                    kwargs["ssh_config"] = self.ssh_config
                h = testinfra.get_host(f"ssh://{device}", **kwargs)
                self._hosts[device] = h
            return h

    def run(self, device: str, command: str, timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        """Run a shell command on ``device``; a bounded remote ``timeout`` guards every command."""
        if device in self._errors:
            raise HealthError(self._errors[device])
        wrapped = f"timeout {int(max(1, timeout))} sh -c {shlex.quote(command)}"
        try:
            out = self.host(device).run(wrapped)
        except RuntimeError as exc:  # testinfra: ssh itself failed (exit status 255)
            res = exc.args[0] if exc.args else None
            detail = getattr(res, "stderr", "") or str(exc)
            raise HealthError(f"{device}: cannot reach over SSH: {detail.strip()[:300]}") from exc
        if out.rc == 124:
            raise HealthError(f"{device}: `{command[:120]}` timed out after {int(timeout)} s")
        return CommandResult(rc=out.rc, stdout=out.stdout, stderr=out.stderr, command=command)

    def check_output(self, device: str, command: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        res = self.run(device, command, timeout)
        if res.rc != 0:
            msg = (res.stderr or res.stdout).strip().splitlines()
            raise HealthError(f"{device}: `{command[:120]}` failed ({res.rc}): {' / '.join(msg[-3:])[:400]}")
        return res.stdout

    def session_command(self, device: str) -> str | None:
        """A command whose output proves the session reached ``device`` (None: nothing to verify)."""
        return None

    def verify_session(self, device: str, output: str) -> str | None:
        """A problem with the session of ``device`` seen in ``session_command``'s output, or None."""
        return None

    def fail_device(self, device: str, problem: str) -> None:
        """Every later command on ``device`` fails with ``problem``."""
        self._errors[device] = problem

    def close(self) -> None:
        """Close every SSH master connection this target opened."""
        with self._lock:
            hosts = dict(self._hosts)
            self._hosts.clear()
        procs = []
        for device, h in hosts.items():
            path = h.backend.controlpath
            if not path or not Path(path).exists():
                continue
            argv = ["ssh"]
            if self.ssh_config:
                argv += ["-F", self.ssh_config]
            argv += ["-o", f"ControlPath={path}", "-O", "exit", device]
            with contextlib.suppress(OSError):
                procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for proc in procs:
            with contextlib.suppress(subprocess.SubprocessError):
                proc.wait(timeout=10)
        if self._control_dir:
            with contextlib.suppress(OSError):
                for leftover in Path(self._control_dir).iterdir():
                    leftover.unlink()
                Path(self._control_dir).rmdir()
            self._control_dir = None


class SshTarget(Target):
    """A real datacentre reached over SSH (devices named as in the Fabric in ``ssh_config``)."""

    name = "ssh"


def target_from_spec(spec: TargetSpec) -> Target:
    if spec.kind == "ib-lab":
        from toolkit.health.ib import IbLabTarget

        return IbLabTarget(spec.cluster or "", spec.state_dir or "")  # type: ignore[return-value]
    if spec.kind == "lab":
        from toolkit.health.lab import LabTarget

        if not spec.cluster or not spec.state_dir:
            raise ValueError("lab target needs cluster and state_dir")
        return LabTarget(spec.cluster, spec.state_dir)
    t = SshTarget(spec.ssh_config, sudo=spec.sudo, hardware=spec.hardware)
    t.name = spec.name
    return t
