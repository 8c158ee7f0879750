"""Apply drivers: one per device platform, each working through a ``toolkit.session.Session``.

``driver_for(platform)`` is the driver class of a switch platform (the ``driver`` hook of
``toolkit.platforms``) or, for ``linux`` (servers: they are configured by the host playbook),
``LinuxDriver``; ``None`` means aidc has no driver for it yet (plan and apply report that per
device). ``open_driver`` opens the device's session (identity verified) and wraps it in its driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from toolkit import platforms

if TYPE_CHECKING:
    from toolkit.drivers.linux import LinuxDriver
    from toolkit.targets import Target

SERVER_PLATFORM = "linux"
SERVER_DRIVER = "toolkit.drivers.linux:LinuxDriver"


def load(ref: str) -> object:
    """The object an import path ``package.module:name`` names."""
    return platforms.load_hook(ref)


def hook_ref(platform: str, hook: str, server: str) -> str | None:
    """Import path of ``hook`` (driver, facts) of ``platform``; ``server`` for ``linux``."""
    if platform == SERVER_PLATFORM:
        return server
    try:
        ref: str | None = getattr(platforms.get(platform).hooks, hook)
    except platforms.UnknownPlatform:
        return None
    return ref


def driver_ref(platform: str) -> str | None:
    """Import path of the apply driver of ``platform`` (None: none)."""
    return hook_ref(platform, "driver", SERVER_DRIVER)


def driver_for(platform: str) -> type[LinuxDriver] | None:
    ref = driver_ref(platform)
    return cast("type[LinuxDriver]", load(ref)) if ref else None


def switch_platforms_with_driver() -> list[str]:
    """Switch platforms that have an apply driver, sorted."""
    return sorted(p.name for p in platforms.all_platforms() if p.hooks.driver)


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
    opener = getattr(cls, "open_device", None)
    if opener is not None:  # a driver with its own connection (a vendor CLI: toolkit.drivers.confirm)
        return cast("LinuxDriver", opener(target, device, timeout=timeout, connect_timeout=connect_timeout))
    return cls(target.open(device, timeout=timeout, connect_timeout=connect_timeout, log=log), timeout=timeout)
