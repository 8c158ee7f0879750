"""Apply drivers: one per device platform, each working through a ``toolkit.session.Session``.

``driver_for(platform)`` names the driver class of a platform (servers: ``linux``); ``None``
means aidc has no driver for it yet (plan and apply report that per device). ``open_driver``
opens the device's session (identity verified) and wraps it in its driver. The mapping below
is the interim registry; the platform registry (``toolkit.platforms``) takes it over.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.drivers.linux import LinuxDriver
    from toolkit.targets import Target

DRIVERS: dict[str, str] = {
    "frr": "toolkit.drivers.frr:FrrDriver",
    "linux": "toolkit.drivers.linux:LinuxDriver",
}
"""platform -> ``module:Class`` of its apply driver."""


def load(ref: str) -> object:
    """The object an import path ``package.module:name`` names."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def driver_for(platform: str) -> type[LinuxDriver] | None:
    ref = DRIVERS.get(platform)
    return load(ref) if ref else None  # type: ignore[return-value]


def open_driver(
    target: Target,
    device: str,
    *,
    timeout: float = 60.0,
    connect_timeout: float = 10.0,
    log: Callable[[str], None] | None = None,
) -> LinuxDriver:
    """The driver of ``device`` on an open session (raises ``DeviceError`` when unreachable)."""
    from toolkit.session import DeviceError

    access = target.device(device)
    cls = driver_for(access.platform)
    if cls is None:
        raise DeviceError(f"{device}: platform {access.platform!r} has no apply driver")
    return cls(target.open(device, timeout=timeout, connect_timeout=connect_timeout, log=log), timeout=timeout)
