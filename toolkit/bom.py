"""Bill of materials, counted from the Fabric (so it always agrees with the cabling plan).

Shape (keys are stable, pipelines read them):
{"gpus": N, "servers": N,
 "tiers": {"leaf": {"switches": N, "models": {...}}, "spine": {...}, "core": {...}},
 "cables": {"server-leaf": N, "leaf-spine": N, "spine-core": N},
 "media": {"DAC": N, ...}, "transceivers": {"400G": N, "800G (2x400G)": N, ...},
 "business": {...same for that plane...}, "storage": {...}, "oob": {...}, "totals": {...}}
Optics: a DAC/AOC cable carries its own ends; an MMF/SMF link needs a transceiver at each end,
and a broken-out switch cage needs one transceiver for all its lanes.
Breakout cables: a cage split to several devices (``Cable.group``) is one DAC/AOC breakout cable
for all its legs (``breakouts``: "<medium> <mode>" -> cables); fibres stay one per leg. The
``cables`` counts are connections (legs); ``totals.physical_cables`` counts what is bought:
connections minus the legs a DAC/AOC breakout cable carries beyond its first.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from toolkit.design.model import Cable, Fabric

TIER_OF_ROLE = {
    "compute": {"leaf": "leaf", "spine": "spine", "core": "core"},
    "business": {"business-leaf": "leaf", "business-spine": "spine"},
    "storage": {"storage-leaf": "leaf", "storage-spine": "spine"},
    "oob": {"oob": "switch"},
}
CABLE_TIERS = {
    "compute": ("server-leaf", "leaf-spine", "spine-core"),
    "business": ("server-leaf", "leaf-spine"),
    "storage": ("server-leaf", "leaf-spine"),
    "oob": ("oob",),
}


def _plane(fabric: Fabric, plane: str, plane_cables: list[Cable]) -> dict[str, Any]:
    tiers: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(TIER_OF_ROLE[plane].values()):
        tiers[name] = {"switches": 0, "models": {}}
    for d in fabric.devices.values():
        tier = TIER_OF_ROLE[plane].get(d.role)
        if tier is None:
            continue
        t = tiers[tier]
        t["switches"] += 1
        t["models"][d.model] = t["models"].get(d.model, 0) + 1
    cables: Counter[str] = Counter({k: 0 for k in CABLE_TIERS[plane]})
    media: Counter[str] = Counter()
    optics: Counter[str] = Counter()
    cages: set[tuple[str, int]] = set()
    port_maps: dict[str, dict[str, Any]] = {}
    groups: dict[str, str] = {}
    for c in plane_cables:
        cables[c.tier] += 1
        media[f"{c.medium} {c.speed}G"] += 1
        if c.group and c.medium in ("DAC", "AOC"):
            groups[c.group] = f"{c.medium} {c.breakout}"
        if c.medium not in ("MMF", "SMF"):
            continue
        for dev_name, port_name in ((c.a_device, c.a_port), (c.b_device, c.b_port)):
            dev = fabric.devices[dev_name]
            if dev.is_switch:
                ports = port_maps.get(dev_name)
                if ports is None:
                    ports = port_maps[dev_name] = {p.name: p for p in dev.ports}
                port = ports[port_name]
                if port.cage is None or (dev.name, port.cage) in cages:
                    continue
                cages.add((dev.name, port.cage))
                kind = f"{dev.native_speed(port.cage)}G" + (f" ({port.breakout})" if port.breakout else "")
                optics[f"{kind} {c.medium}"] += 1
            else:
                optics[f"{c.speed}G {c.medium}"] += 1
    out: dict[str, Any] = {
        "tiers": tiers,
        "cables": dict(sorted(cables.items())),
        "media": dict(sorted(media.items())),
        "transceivers": dict(sorted(optics.items())),
        "breakouts": dict(sorted(Counter(groups.values()).items())),
    }
    return out


def bom(fabric: Fabric) -> dict[str, Any]:
    servers = fabric.servers()
    by_plane: dict[str, list[Cable]] = {}  # one walk over the cables, not one per plane
    for c in fabric.cables:
        by_plane.setdefault(c.plane, []).append(c)
    compute = _plane(fabric, "compute", by_plane.get("compute", []))
    out: dict[str, Any] = {
        "cluster": fabric.name,
        "gpus": sum(s.gpus for s in servers),
        "servers": sum(1 for s in servers if s.role == "gpu-server"),
        "tiers": compute["tiers"],
        "cables": compute["cables"],
        "media": compute["media"],
        "transceivers": compute["transceivers"],
        "breakouts": compute["breakouts"],
    }
    for plane in ("business", "storage", "oob"):
        if plane in by_plane or any(d.role in TIER_OF_ROLE[plane] for d in fabric.devices.values()):
            out[plane] = _plane(fabric, plane, by_plane.get(plane, []))
    models: Counter[str] = Counter(d.model for d in fabric.devices.values() if d.is_switch)
    srv_models: Counter[str] = Counter(d.model for d in servers)
    out["totals"] = {
        "switches": sum(models.values()),
        "switch_models": dict(sorted(models.items())),
        "servers": len(servers),
        "server_models": dict(sorted(srv_models.items())),
        "cables": len(fabric.cables),
        "physical_cables": physical_cables(fabric),
        "pdus": sum(1 for d in fabric.devices.values() if d.role == "pdu"),
        "power_kw": round(sum(d.power_w for d in fabric.devices.values()) / 1000, 1),
    }
    from toolkit.design.storage import storage_drives

    out["storage_drives"] = storage_drives(fabric)
    return out


def physical_cables(fabric: Fabric) -> int:
    """Cables to buy: every connection, a DAC/AOC breakout cable once for all its legs."""
    legs: Counter[str] = Counter(c.group for c in fabric.cables if c.group and c.medium in ("DAC", "AOC"))
    return len(fabric.cables) - sum(n - 1 for n in legs.values())
