"""Recorded devices for the root-free tests: what the real lab-mini twin printed.

``tests/fixtures/lab-mini/<role>/`` holds the output of iproute2, FRR (vtysh, frr-reload.py) and
lldpd captured from a running twin by ``tests/fixtures/record.py`` (roles: ``leaf`` a rail leaf,
``vtep`` a leaf with tenants, ``spine``, ``server`` a GPU server); ``meta.json`` names the
devices; ``spec/`` is the spec the twin was built from, so ``fabric()`` designs the same Fabric.

``RecordedDevice`` is a stand-in for one of those devices: a local ``sh`` whose ``ip``,
``vtysh``, ``sysctl``, ``lldpcli`` and ``frr-reload.py`` are small scripts (``stubtool.py``)
answering read commands from the recording and logging every changing command (optionally
failing those that match a pattern). The device's paths (FRR config and pid folders) are in a temporary folder. It
runs the exact command lines the drivers and fact readers build, in a real shell, so it tests
their quoting, batching and parsing, but it is not FRR: what FRR itself does with a config is
tested by the lab tests (tests/apply, tests/health, as root).
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from toolkit.design.model import Fabric
from toolkit.netstate import NetSnapshot, parse_snapshot
from toolkit.session import CommandResult, DeviceError
from toolkit.targets import DeviceAccess, Target

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "tests" / "fixtures" / "lab-mini"
STUBTOOL = ROOT / "tests" / "fixtures" / "stubtool.py"
TOOLS = (
    "ip", "vtysh", "sysctl", "lldpcli", "frr-reload.py", "systemctl", "dcb", "bridge", "ping", "python3", "hostname"
)
"""Commands the stand-in answers itself (``ping`` and ``python3``, the probes, are refused: a
recorded device sends no traffic)."""


def meta() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / "meta.json").read_text())
    return data


def text(role: str, name: str) -> str:
    return (RECORDED / role / name).read_text()


def snapshot(role: str) -> NetSnapshot:
    """The interface state of the device recorded as ``role``, as the drivers read it."""
    return parse_snapshot(
        *(text(role, f) for f in ("ip-link.json", "ip-addr.json", "sysctl.txt", "ip-route4.json", "ip-rule4.json"))
    )


def device(role: str) -> str:
    """The Fabric name of the device recorded as ``role``."""
    return str(meta()["devices"][role])


@functools.cache
def _designed() -> tuple[Fabric, dict[str, str]]:
    from toolkit.design import design
    from toolkit.render import render
    from toolkit.spec import load

    fab = design(load(RECORDED / "spec").spec, platform="frr")
    return fab, render(fab)


def fabric() -> Fabric:
    """The Fabric the recorded twin was built from (same cluster name and OOB prefix)."""
    return _designed()[0].model_copy(deep=True)


def artifacts() -> dict[str, str]:
    return dict(_designed()[1])


class RecordedDevice:
    """A ``Session`` on a local stand-in of a recorded device (see the module docstring)."""

    def __init__(
        self, access: DeviceAccess, role: str, work: Path, *, fail: str = "", rc: dict[str, int] | None = None
    ):
        self.access = access
        self.role = role
        self.work = work
        self.bin = work / "bin"
        self.log = work / "commands.log"
        self.fail = fail
        self.rc = rc or {}
        self.opened = True
        self.bin.mkdir(parents=True, exist_ok=True)
        for tool in TOOLS:
            link = self.bin / tool
            if not link.exists():
                link.write_text(
                    f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(STUBTOOL))} {tool} "$@"\n'
                )
                link.chmod(0o755)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.bin}:{env.get('PATH', '/usr/bin:/bin')}"
        env["AIDC_STUB_DIR"] = str(RECORDED / self.role)
        env["AIDC_STUB_LOG"] = str(self.log)
        env["AIDC_STUB_FAIL"] = self.fail
        env["AIDC_STUB_RC"] = json.dumps(self.rc)
        return env

    def commands(self) -> list[str]:
        """Every changing command the device was given, in order."""
        return self.log.read_text().splitlines() if self.log.exists() else []

    def run(self, command: str, *, timeout: float | None = None, check: bool = False) -> CommandResult:
        if not self.opened:
            raise DeviceError(f"{self.access.name}: not connected")
        t0 = time.monotonic()
        cp = subprocess.run(
            ["sh", "-c", command], capture_output=True, text=True, env=self.env(), timeout=timeout or 60, check=False
        )
        res = CommandResult(
            command=command, rc=cp.returncode, stdout=cp.stdout, stderr=cp.stderr, seconds=time.monotonic() - t0
        )
        if check and res.rc != 0:
            raise DeviceError(f"{self.access.name}: `{command[:200]}` failed ({res.rc}): {res.output[-300:]}")
        return res

    def _local(self, path: str) -> Path:
        p = Path(path)
        if not p.is_relative_to(self.work.parent.parent):
            raise DeviceError(f"{self.access.name}: {path} is outside the stand-in's folder")
        return p

    def put_file(self, path: str, text: str, mode: int = 0o644) -> None:
        p = self._local(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        p.chmod(mode)

    def read_file(self, path: str) -> str | None:
        p = self._local(path)
        return p.read_text() if p.exists() else None

    def privileged(self, command: str) -> str:
        return f"sudo -n {command}" if self.access.sudo else command

    def close(self) -> None:
        self.opened = False


class RecordedTarget(Target):
    """The recorded devices as a target: every Fabric device recorded under a role, reached
    through a ``RecordedDevice`` (paths on the device live under ``work``)."""

    kind = "lab"
    hardware = False
    impl = "tests.recorded:RecordedTarget"

    @classmethod
    def from_spec(cls, spec: Any, fab: Fabric) -> RecordedTarget:
        """The same recorded target in the health checks' pytest process (``TargetSpec.impl``)."""
        return cls(fab, Path(spec.state_dir).parent)

    def __init__(
        self, fab: Fabric, work: Path, *, fail: dict[str, str] | None = None, unreachable: set[str] | None = None
    ):
        self.name = "recorded"
        self.cluster = fab.name
        self.state_base = work / "state"
        self.network_mode = "iproute2"
        self.work = work
        self.fail = fail or {}
        self.unreachable = unreachable or set()
        self.opened: dict[str, RecordedDevice] = {}
        roles = {v: k for k, v in meta()["devices"].items()}
        self._devices: dict[str, DeviceAccess] = {}
        self.roles: dict[str, str] = {}
        for name, role in roles.items():
            d = fab.devices[name]
            self.roles[name] = role
            self._devices[name] = DeviceAccess(
                name=name,
                kind="switch" if d.is_switch else "server",
                role=d.role,
                platform="frr" if d.is_switch else "linux",
                address="192.0.2.1",
                user="root",
                frr_pathspace=None,
                frr_confdir=str(work / "etc-frr" / name),
                frr_rundir=str(work / "run-frr" / name),
            )

    def devices(self) -> dict[str, DeviceAccess]:
        return dict(self._devices)

    def ansible_ssh(self) -> dict[str, Any]:
        return {"user": "root"}

    def open(self, device: str, **_: Any) -> RecordedDevice:  # type: ignore[override]
        if device in self.unreachable:
            raise DeviceError(f"{device}: cannot connect to root@192.0.2.1:22: timed out (recorded stand-in)")
        s = RecordedDevice(
            self.device(device), self.roles[device], self.work / "dev" / device, fail=self.fail.get(device, "")
        )
        self.opened[device] = s
        return s
