"""Fixtures for apply and plan against vendor STAND-INS (``tests.standins``: the vendor images
cannot run here; each stand-in is a small emulator of the NOS CLI behind a real sshd on
127.0.0.1, started and stopped by PID).

``vendor`` builds, per platform, the lab-mini Fabric designed for that platform, its rendered
switch files, and a ``StandinTarget``: an inventory-kind target whose devices are stand-ins of
some of its switches (the rest of the Fabric is not part of the target). No root needed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.standins.sshd import Standin, why_no_sshd
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.spec import load
from toolkit.targets import DeviceAccess, Target

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"
NO_SSHD = why_no_sshd()


@functools.cache
def fabric(platform: str) -> Fabric:
    spec = load(LAB_MINI).spec
    assert spec is not None
    return design(spec, platform=platform)


@functools.cache
def switch_files(platform: str, device: str) -> dict[str, str]:
    fab = fabric(platform)
    return dict(render_device(fab.devices[device], fab, environment()))


class StandinTarget(Target):
    """Inventory-kind target of stand-in devices (real sshd on 127.0.0.1, see tests.standins)."""

    kind = "inventory"

    def __init__(self, cluster: str, state_dir: Path, devices: dict[str, DeviceAccess]) -> None:
        self.name = "inventory"
        self.cluster = cluster
        self.state_base = state_dir
        self.network_mode = "netplan"
        self._devices = devices

    def devices(self) -> dict[str, DeviceAccess]:
        return dict(self._devices)

    def ansible_ssh(self) -> dict[str, Any]:
        return {}


class Vendor:
    """One platform's Fabric, rendered switch files and running stand-ins."""

    def __init__(self, platform: str, tmp: Path, fab: Fabric | None = None) -> None:
        self.platform = platform
        self.tmp = tmp
        self.fabric = fab or fabric(platform)
        self.standins: dict[str, Standin] = {}
        self._rendered: dict[str, dict[str, str]] = {}

    def files(self, device: str) -> dict[str, str]:
        """The rendered files of ``device`` of this Fabric."""
        if self.fabric is fabric(self.platform):
            return switch_files(self.platform, device)
        if device not in self._rendered:
            self._rendered[device] = dict(render_device(self.fabric.devices[device], self.fabric, environment()))
        return self._rendered[device]

    def switches(self) -> list[str]:
        return [d.name for d in self.fabric.switches()]

    def start(self, device: str, running: str = "", release: str | None = None, **access: Any) -> Standin:
        """A stand-in of ``device`` running ``running``, of ``release`` (default: the release the
        Fabric designs the device for)."""
        release = release or self.fabric.devices[device].os_version
        s = Standin(self.platform, device, self.tmp / "devices" / device, running=running, release=release)
        self.standins[device] = s
        s.start()
        s.access_over = access  # type: ignore[attr-defined]
        return s

    def target(self) -> StandinTarget:
        devs = {
            n: s.access(role=self.fabric.devices[n].role, **getattr(s, "access_over", {}))
            for n, s in self.standins.items()
        }
        return StandinTarget(self.fabric.name, self.tmp / "state", devs)

    def artifacts(self, devices: list[str] | None = None) -> dict[str, str]:
        out: dict[str, str] = {}
        for n in devices or list(self.standins):
            for name, text in self.files(n).items():
                out[f"switches/{n}/{name}"] = text
        return out

    def stop(self) -> None:
        for s in self.standins.values():
            s.stop()


@pytest.fixture
def vendor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Vendor]:
    if NO_SSHD:
        pytest.skip(NO_SSHD)
    v = Vendor(request.param, tmp_path)
    try:
        yield v
    finally:
        v.stop()
