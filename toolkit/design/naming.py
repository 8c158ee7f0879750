"""Names: devices, native port names per platform, Linux interface names.

Port naming is platform data (``toolkit.platforms.<platform>.port_name``); the design applies it
here once, because every later stage (cabling plan, configs, LLDP checks) must agree on it.
"""

from __future__ import annotations

from toolkit import platforms
from toolkit.platforms import serdes_lanes

__all__ = ["serdes_lanes", "switch_ifname", "switch_port_name"]


def switch_port_name(platform: str, cage: int, lane: int, lanes: int, cage_speed: int, model: str | None = None) -> str:
    """Native name of breakout ``lane`` (0-based) of ``cage`` (1-based) split into ``lanes`` ports:
    the SKU's names when the platform has SKU data for switch ``model``, else the platform's naming
    scheme (``toolkit.platforms.<platform>``)."""
    plat = platforms.get(platform)
    sku = plat.sku(model) if model else None
    if sku is not None and sku.ports:
        return sku.port_name(cage, lane, lanes, cage_speed)
    return plat.port_namer(cage, lane, lanes, cage_speed)


def switch_ifname(cage: int, lane: int, lanes: int) -> str:
    """Linux-safe name of a front-panel port (``Port.ifname``), whatever the platform."""
    return platforms.linux_port_name(cage, lane, lanes, 0)


def server_port_name(nic: str, port: int, ports: int) -> str:
    return nic if ports == 1 else f"{nic}p{port}"


def compute_leaf_name(su: str, rail: int, k: int) -> str:
    return f"{su}-leaf-rail{rail}" if k == 0 else f"{su}-leaf-rail{rail}-{k}"


def spine_name(tiers: int, pod: int, index: int) -> str:
    return f"spine{index + 1:02d}" if tiers == 2 else f"pod{pod + 1:02d}-spine{index + 1:02d}"


def core_name(plane: int, index: int) -> str:
    return f"core-p{plane + 1:02d}-{index + 1:02d}"


FRONTEND_PREFIX = {"business": "fe", "storage": "st"}


def frontend_leaf_name(plane: str, index: int) -> str:
    return f"{FRONTEND_PREFIX[plane]}-leaf{index + 1:02d}"


def frontend_spine_name(plane: str, index: int) -> str:
    return f"{FRONTEND_PREFIX[plane]}-spine{index + 1:02d}"


def oob_switch_name(rack: str) -> str:
    return f"{rack}-oob"


def oob_distribution_name(su: str, index: int) -> str:
    return f"{su}-oob-dist{index + 1}"


def pdu_name(rack: str, index: int) -> str:
    return f"{rack}-pdu{index + 1}"


def server_name(rack: str, prefix: str, index: int) -> str:
    return f"{rack}-{prefix}{index + 1:02d}"
