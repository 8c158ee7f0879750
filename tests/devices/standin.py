"""What the driver tests of the commit-confirm NOSes share (tests/devices/test_cumulus_driver.py,
test_eos_driver.py, test_sonic_driver.py).

``OneSwitch``: an inventory target of one switch, lab-mini's spine01, whose ``open`` hands out the
test's NOS stand-in as the device's shell session (reconnected: a driver may close it and open it
again). ``open_driver``: a driver opened on it the way apply opens one (``open_device``).

``rendered``: the files aidc renders for spine01 on the NOS (what a driver pushes).

``push`` and ``push_then_restore``: the sequence apply drives a ``ConfirmDriver`` through (stage,
commit with the rollback timer running, read back, confirm or not; restore the backup taken
before), so each test states only what the stand-in must show afterwards.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol, TypeVar

from tests.recorded import ROOT
from toolkit.design import design
from toolkit.drivers.confirm import ConfirmDriver
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.spec import load
from toolkit.targets import DeviceAccess, Target

DEVICE = "spine01"

D = TypeVar("D", bound=ConfirmDriver)


@functools.cache
def _rendered(platform: str) -> tuple[tuple[str, str], ...]:
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    fab = design(spec, platform=platform)
    return tuple(dict(render_device(fab.devices[DEVICE], fab, environment())).items())


def rendered(platform: str) -> dict[str, str]:
    """File name -> text of lab-mini's spine01 designed for ``platform`` (a new dict each call)."""
    return dict(_rendered(platform))


class Shell(Protocol):
    """A stand-in shell session: a driver runs commands on it and closes it."""

    connected: bool


class OneSwitch(Target):
    kind = "inventory"

    def __init__(self, shell: Shell, *, platform: str, address: str, user: str, **access: Any) -> None:
        self.name, self.cluster, self.network_mode = "inventory", "lab-mini", "netplan"
        self.shell = shell
        self.access = DeviceAccess(name=DEVICE, kind="switch", role="spine", platform=platform,
                                   address=address, user=user, **access)

    def devices(self) -> dict[str, DeviceAccess]:
        return {DEVICE: self.access}

    def ansible_ssh(self) -> dict[str, Any]:
        return {}

    def open(self, device: str, **_: Any) -> Any:
        assert device == DEVICE, device
        self.shell.connected = True
        return self.shell


def open_driver(cls: type[D], shell: Shell, *, platform: str, address: str, user: str, **access: Any) -> D:
    d = cls.open_device(OneSwitch(shell, platform=platform, address=address, user=user, **access), DEVICE)
    assert isinstance(d, cls)
    return d


def push(d: ConfirmDriver, files: dict[str, str], *, confirm: bool = False) -> None:
    """Stage ``files``, commit them with the rollback timer running and read the device back;
    with ``confirm``, confirm the commit too."""
    d.prepare(files)
    d.activate()
    d.read_running()
    if confirm:
        d.confirm()


def push_then_restore(d: ConfirmDriver, files: dict[str, str], *, confirm: bool) -> list[str]:
    """Back up, ``push`` (confirmed or not), restore the backup: the steps the restore took
    (it must have succeeded)."""
    b = d.backup()
    push(d, files, confirm=confirm)
    rep = d.restore(b)
    assert rep.ok, rep
    return [s.step for s in rep.steps]
