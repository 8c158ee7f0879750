"""Names: devices, native port names per platform, Linux interface names.

Port naming is the one platform-specific decision the design makes, because every later stage
(cabling plan, configs, LLDP checks) must agree on it.
"""

from __future__ import annotations

# SerDes lanes per cage by native cage speed (OSFP/QSFP-DD 8 lanes, QSFP28/56 4, SFP 1)
_SERDES = {1: 1, 10: 1, 25: 1, 40: 4, 50: 1, 100: 4, 200: 4, 400: 8, 800: 8, 1600: 8}

MGMT_PORT = {"frr": "eth0", "cumulus": "eth0", "sonic": "eth0", "eos": "Management1", "infiniband": "mgmt0"}


def serdes_lanes(cage_speed: int) -> int:
    return _SERDES.get(cage_speed, 4)


def switch_port_name(platform: str, cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    """Native name of breakout ``lane`` (0-based) of ``cage`` (1-based) split into ``lanes`` ports."""
    if platform == "sonic":
        serdes = serdes_lanes(cage_speed)
        step = max(serdes // lanes, 1)
        return f"Ethernet{(cage - 1) * serdes + lane * step}"
    if platform == "eos":
        if cage_speed <= 25:
            return f"Ethernet{cage}"
        serdes = serdes_lanes(cage_speed)
        step = max(serdes // lanes, 1)
        return f"Ethernet{cage}/{lane * step + 1}"
    if platform == "infiniband":
        return f"{cage}/{lane + 1}" if lanes > 1 else f"{cage}"
    # frr (Linux white box) and cumulus
    return f"swp{cage}s{lane}" if lanes > 1 else f"swp{cage}"


def switch_ifname(cage: int, lane: int, lanes: int) -> str:
    return f"swp{cage}s{lane}" if lanes > 1 else f"swp{cage}"


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


def pdu_name(rack: str, index: int) -> str:
    return f"{rack}-pdu{index + 1}"


def server_name(rack: str, prefix: str, index: int) -> str:
    return f"{rack}-{prefix}{index + 1:02d}"
