"""What the lab devices see: LLDP neighbours and BGP peers, and waiting until every cable and
session is up.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from pydantic import Field

from toolkit.lab.access import vtysh_argv
from toolkit.lab.processes import run_cmd
from toolkit.lab.state import LabModel, lldp_socket, require_state
from toolkit.lldp import lldp_command, parse_lldp


def lldp_neighbors(cluster_name: str, state_dir: Path | str, device: str) -> dict[str, list[tuple[str, str]]]:
    """Local ifname -> [(peer system name, peer port id)] as lldpd in the device sees it."""
    st = require_state(cluster_name, state_dir)
    st.node(device)
    cp = run_cmd(shlex.split(lldp_command(lldp_socket(st, device))), check=False)
    if cp.returncode != 0:
        return {}
    return parse_lldp(cp.stdout)


class LldpReport(LabModel):
    ok: bool
    missing: list[str] = Field(description="'dev:ifname expects peer:port' for cables not (yet) seen")
    neighbors: dict[str, dict[str, list[tuple[str, str]]]]
    seconds: float


def wait_lldp(
    cluster_name: str, state_dir: Path | str, timeout: float = 30.0, devices: Iterable[str] | None = None
) -> LldpReport:
    """Wait until every lab cable (touching ``devices``, default all) is seen by LLDP on both ends."""
    st = require_state(cluster_name, state_dir)
    wanted = set(devices) if devices is not None else {n.device for n in st.topology.nodes}
    expect: dict[str, dict[str, tuple[str, str]]] = {}
    for link in st.topology.links:
        for me, peer in ((link.a, link.b), (link.b, link.a)):
            if me.device in wanted:
                expect.setdefault(me.device, {})[me.ifname] = (peer.device, peer.ifname)
    t0 = time.monotonic()
    seen: dict[str, dict[str, list[tuple[str, str]]]] = {}
    while True:
        missing = []
        for dev in sorted(expect):
            seen[dev] = lldp_neighbors(cluster_name, state_dir, dev)
            for ifname, want in sorted(expect[dev].items()):
                if want not in seen[dev].get(ifname, []):
                    missing.append(f"{dev}:{ifname} expects {want[0]}:{want[1]}")
        elapsed = time.monotonic() - t0
        if not missing or elapsed > timeout:
            return LldpReport(ok=not missing, missing=missing, neighbors=seen, seconds=round(elapsed, 2))
        time.sleep(0.5)


def bgp_peers(cluster_name: str, state_dir: Path | str, device: str) -> dict[str, str]:
    """BGP peer (interface name or address) -> state, over all address families."""
    cp = subprocess.run(
        vtysh_argv(cluster_name, state_dir, device, "show bgp summary json"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if cp.returncode != 0:
        return {}
    try:
        data = json.loads(cp.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    out: dict[str, str] = {}
    for afi in data.values():
        if isinstance(afi, dict):
            for peer, info in afi.get("peers", {}).items():
                state = info.get("state", "?")
                if out.get(peer) != "Established":
                    out[peer] = state
    return out


class BgpReport(LabModel):
    ok: bool
    peers: dict[str, dict[str, str]] = Field(description="device -> peer -> state")
    seconds: float


def wait_bgp(
    cluster_name: str,
    state_dir: Path | str,
    devices: Iterable[str],
    timeout: float = 60.0,
    peers: dict[str, list[str]] | None = None,
) -> BgpReport:
    """Wait until every BGP peer of ``devices`` (or the given ``peers`` per device) is Established."""
    devs = list(devices)
    t0 = time.monotonic()
    while True:
        seen = {d: bgp_peers(cluster_name, state_dir, d) for d in devs}
        ok = True
        for d in devs:
            names = (peers or {}).get(d) or list(seen[d])
            if not names or any(seen[d].get(p) != "Established" for p in names):
                ok = False
        elapsed = time.monotonic() - t0
        if ok or elapsed > timeout:
            return BgpReport(ok=ok, peers=seen, seconds=round(elapsed, 2))
        time.sleep(0.5)
