"""SONiC oracle for one rendered switch: merge ``config_db.json`` onto the CONFIG_DB the image of
the switch's HwSKU already holds, validate the result against the SONiC YANG models, and check
what the models cannot express but the image needs:

- ``DEVICE_METADATA.localhost.hwsku`` / ``platform`` stay the SKU's (the image mounts
  ``/usr/share/sonic/device/<platform>/<hwsku>``);
- every PORT we write exists in the SKU (no port without lanes) and its ``alias`` is not changed;
- every ``brkout_mode`` is one the platform offers (platform.json), for the ports it names;
- BUFFER_PG / BUFFER_QUEUE / QUEUE keys of one port do not overlap the SKU's keys
  (``Ethernet0|3`` next to ``Ethernet0|3-4``): the SKU's and ours would both apply.

The SKU of each catalogue model is written here, from the vendor data (independent of the
product's own platform data, which the test compares with it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sonic_yang import PLATFORM_DIR, Validator, merge, sku_base

# catalogue model of the bundled examples -> (SONiC platform, HwSKU) of the vendor data
SKU_OF_MODEL = {
    "sn5600": ("x86_64-nvidia_sn5600-r0", "Mellanox-SN5600-O128"),
    "sn4600c": ("x86_64-mlnx_msn4600c-r0", "Mellanox-SN4600C-C64"),
    "sn2700": ("x86_64-mlnx_msn2700-r0", "Mellanox-SN2700"),
    "sn2201": ("x86_64-nvidia_sn2201-r0", "ACS-SN2201"),
    "dcs-7060dx5": ("x86_64-arista_7060dx5_64s", "Arista-7060DX5-64S"),
    "as7326": ("x86_64-accton_as7326_56x-r0", "Accton-AS7326-56X"),
}


def breakout_modes(platform: str) -> dict[str, set[str]]:
    """Port name -> breakout mode strings the platform offers (empty when no platform.json)."""
    path = PLATFORM_DIR / platform / "platform.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {name: set(info.get("breakout_modes", {})) for name, info in data.get("interfaces", {}).items()}


def children(platform: str, parent: str, mode: str) -> dict[str, dict[str, str]]:
    """Ports breakout ``mode`` makes of ``parent`` per platform.json: SONiC names child k
    ``Ethernet<parent + k * lanes per child>`` and gives it its share of the lanes and the alias
    platform.json lists for the mode."""
    info = json.loads((PLATFORM_DIR / platform / "platform.json").read_text())["interfaces"][parent]
    lanes = info["lanes"].split(",")
    aliases = info["breakout_modes"][mode]
    n = len(aliases)
    per = len(lanes) // n
    base_no = int(parent.removeprefix("Ethernet"))
    return {
        f"Ethernet{base_no + k * per}": {"lanes": ",".join(lanes[k * per:(k + 1) * per]), "alias": aliases[k]}
        for k in range(n)
    }


def _ranges(key: str) -> tuple[str, set[int]] | None:
    port, _, ids = key.partition("|")
    if not re.fullmatch(r"\d+(-\d+)?", ids):
        return None
    lo, _, hi = ids.partition("-")
    return port, set(range(int(lo), int(hi or lo) + 1))


def oracle_checks(base: dict[str, Any], ours: dict[str, Any], platform: str) -> list[str]:
    reasons: list[str] = []
    bmeta = base["DEVICE_METADATA"]["localhost"]
    ometa = ours.get("DEVICE_METADATA", {}).get("localhost", {})
    for f in ("hwsku", "platform"):
        if f in ometa and ometa[f] != bmeta[f]:
            reasons.append(f"DEVICE_METADATA.{f} {ometa[f]!r} replaces the image's {bmeta[f]!r}")
    modes = breakout_modes(platform)
    relaid: dict[str, dict[str, str]] = {}  # ports a changed breakout creates: name -> lanes, alias
    for name, entry in ours.get("BREAKOUT_CFG", {}).items():
        offered = modes.get(name)
        mode = entry.get("brkout_mode")
        if offered is None:
            if modes:
                reasons.append(f"BREAKOUT_CFG {name}: not a breakout parent port of {platform}")
        elif mode not in offered:
            reasons.append(f"BREAKOUT_CFG {name}: {mode!r} is not one of {sorted(offered)}")
        elif base.get("BREAKOUT_CFG", {}).get(name, {}).get("brkout_mode") != mode:
            relaid.update(children(platform, name, mode))
    for name, entry in ours.get("PORT", {}).items():
        if entry is None:
            if name not in base["PORT"]:
                reasons.append(f"PORT {name} is deleted but does not exist on {bmeta['hwsku']}")
            continue
        if name in relaid:
            for f, want in relaid[name].items():
                if entry.get(f) != want:
                    reasons.append(f"PORT {name} {f} {entry.get(f)!r}: platform.json says {want!r}")
        elif name not in base["PORT"]:
            reasons.append(f"PORT {name} does not exist on {bmeta['hwsku']}")
        elif "alias" in entry and entry["alias"] != base["PORT"][name]["alias"]:
            reasons.append(f"PORT {name} alias {entry['alias']!r} replaces the SKU's {base['PORT'][name]['alias']!r}")
        elif "lanes" in entry and entry["lanes"] != base["PORT"][name]["lanes"]:
            reasons.append(f"PORT {name} lanes {entry['lanes']!r} replace the SKU's {base['PORT'][name]['lanes']!r}")
    for table in ("BUFFER_PG", "BUFFER_QUEUE", "QUEUE"):
        mine = ours.get(table, {})
        theirs = base.get(table, {})
        by_port: dict[str, list[tuple[str, set[int]]]] = {}
        for k in theirs:
            r = _ranges(k)
            if r:
                by_port.setdefault(r[0], []).append((k, r[1]))
        for k in mine:
            r = _ranges(k)
            if not r or k in theirs:
                continue
            for bk, ids in by_port.get(r[0], []):
                if ids & r[1]:
                    reasons.append(f"{table} {k} overlaps the SKU's {bk}")
                    break
    return reasons


_DPB = re.compile(r"^config interface breakout (Ethernet\d+) '([^']+)' -y -f$")


def breakout_script(script: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(parent, mode) of every DPB command of a rendered ``breakout.sh``, and its other lines."""
    cmds, other = [], []
    for line in script.splitlines():
        if not line or line.startswith("#") or line in ("#!/bin/sh", "set -e"):
            continue
        m = _DPB.match(line)
        if m:
            cmds.append((m.group(1), m.group(2)))
        else:
            other.append(line)
    return cmds, other


def _drop_port(db: dict[str, Any], name: str) -> None:
    """What DPB's ``-f`` (force-remove dependencies) does to the config of a port it deletes:
    every entry keyed by it (``Ethernet92``, ``Ethernet92|3-4``), every field named after it
    (CABLE_LENGTH) and every list element naming it; BREAKOUT_CFG (parents, no reference) stays."""
    for table, entries in db.items():
        if table == "BREAKOUT_CFG":
            continue
        for key in [k for k in entries if name in k.split("|")]:
            del entries[key]
        for entry in entries.values():
            entry.pop(name, None)
            for f, v in list(entry.items()):
                if isinstance(v, list) and name in v:
                    entry[f] = [x for x in v if x != name]
                elif isinstance(v, str) and "," in v and name in v.split(","):
                    entry[f] = ",".join(x for x in v.split(",") if x != name)


def dynamic_breakout(base: dict[str, Any], platform: str, commands: list[tuple[str, str]]) -> tuple[
        dict[str, Any], list[str]]:
    """A STAND-IN for SONiC's ``config interface breakout <parent> <mode> -y -f`` (no SONiC switch
    runs here): the parent's ports of its current mode are deleted with their dependents, the
    mode's ports are created as platform.json describes them (lanes, alias, index, speed) and
    BREAKOUT_CFG records the mode. Returns the new CONFIG_DB and what SONiC would refuse."""
    db = {t: {k: dict(v) for k, v in entries.items()} for t, entries in base.items()}
    reasons: list[str] = []
    modes = breakout_modes(platform)
    for parent, mode in commands:
        if mode not in modes.get(parent, set()):
            reasons.append(f"breakout.sh: {parent} {mode!r} is not one of {sorted(modes.get(parent, ()))}")
            continue
        current = db.get("BREAKOUT_CFG", {}).get(parent, {}).get("brkout_mode")
        if current is None:
            reasons.append(f"breakout.sh: the image has no BREAKOUT_CFG for {parent}")
            continue
        info = json.loads((PLATFORM_DIR / platform / "platform.json").read_text())["interfaces"][parent]
        for name in children(platform, parent, current):
            _drop_port(db, name)
            db["PORT"].pop(name, None)
        n, speed = int(mode.split("x", 1)[0]), mode.split("x", 1)[1].split("[", 1)[0]
        mbps = int(speed[:-1]) * 1000 if speed.endswith("G") else int(speed)
        index = info["index"].split(",")[0]
        for name, entry in children(platform, parent, mode).items():
            db["PORT"][name] = {**entry, "index": index, "speed": str(mbps)}
        assert len(children(platform, parent, mode)) == n
        db["BREAKOUT_CFG"][parent] = {"brkout_mode": mode}
    return db, reasons


def layout_checks(db: dict[str, Any], platform: str) -> list[str]:
    """What the YANG models cannot say and the ASIC needs: no SerDes lane in two ports, and the
    ports on each breakout parent's lanes are exactly those its BREAKOUT_CFG mode makes."""
    reasons: list[str] = []
    owner: dict[str, str] = {}
    for name, entry in db.get("PORT", {}).items():
        for lane in entry.get("lanes", "").split(","):
            if lane and lane in owner:
                reasons.append(f"PORT {name} and {owner[lane]} both use SerDes lane {lane}")
            owner.setdefault(lane, name)
    path = PLATFORM_DIR / platform / "platform.json"
    if not path.exists():
        return reasons
    parents = json.loads(path.read_text())["interfaces"]
    for parent, entry in db.get("BREAKOUT_CFG", {}).items():
        info = parents.get(parent)
        mode = entry.get("brkout_mode")
        if info is None or mode not in info.get("breakout_modes", {}):
            continue
        lanes = set(info["lanes"].split(","))
        have = {owner[x] for x in lanes if x in owner}
        want = set(children(platform, parent, mode))
        if have != want:
            reasons.append(f"BREAKOUT_CFG {parent} {mode!r} makes {sorted(want)}, PORT has {sorted(have)}")
    return reasons


class SonicOracle:
    def __init__(self) -> None:
        self.validator = Validator()

    def check(self, model: str, config_db_text: str, script: str | None = None) -> tuple[bool, list[str]]:
        """``script``: the rendered breakout.sh, applied (DPB stand-in) before the merge."""
        if model not in SKU_OF_MODEL:
            return False, [f"no vendor SKU data for catalogue model {model!r}"]
        platform, hwsku = SKU_OF_MODEL[model]
        base = sku_base(hwsku)
        ours = json.loads(config_db_text)
        reasons: list[str] = []
        if script is not None:
            commands, other = breakout_script(script)
            reasons += [f"breakout.sh: not a DPB command: {line!r}" for line in other]
            base, refused = dynamic_breakout(base, platform, commands)
            reasons += refused
        reasons += oracle_checks(base, ours, platform)
        merged = merge(base, ours)
        reasons += layout_checks(merged, platform)
        _ok, yang = self.validator.validate(merged)
        reasons.extend(yang)
        return not reasons, reasons
