"""Fact readers: how each platform shows an observation, and how its output is parsed.

A reader is a command (built from the device's ``DeviceAccess``) plus a parser of its output;
``readers_for(platform)`` gives the readers of a device's platform, keyed by fact kind (the
``facts(...)`` marker of a check). Linux devices (servers) have the iproute2 and lldpd readers;
FRR-based switch platforms (frr, cumulus, sonic) add vtysh's BGP and EVPN views; EOS has its own
(``toolkit.health.eos``). A switch platform names its readers with the ``facts`` hook of
``toolkit.platforms``. Every reader keys its facts by the interface names the platform's OS uses,
which are the Fabric's switch port names (``Port.name``), so checks look ports up by the Fabric.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from toolkit.drivers import hook_ref, load
from toolkit.drivers.frr import vtysh_command
from toolkit.lldp import lldp_command, parse_lldp
from toolkit.netstate import parse_addrs, parse_links, parse_routes, parse_rules

if TYPE_CHECKING:
    from toolkit.targets import DeviceAccess


@dataclass(frozen=True)
class Reader:
    command: Callable[[DeviceAccess], str]
    parse: Callable[[str], Any]
    timeout: float = 30.0


def parse_json(text: str) -> Any:
    return json.loads(text or "{}")


def parse_evpn(text: str) -> dict[int, dict[str, Any]]:
    """``show evpn vni detail json`` (a list, or a dict by VNI in some FRR versions)."""
    data = json.loads(text or "[]")
    items = data.values() if isinstance(data, dict) else data
    out: dict[int, dict[str, Any]] = {}
    for x in items:
        if isinstance(x, dict) and "vni" in x:
            out[int(x["vni"])] = x
    return out


def remote_vteps(vni: dict[str, Any]) -> set[str]:
    """Remote VTEP addresses of one ``show evpn vni detail json`` entry (several FRR shapes)."""
    raw = vni.get("remoteVteps") or vni.get("numRemoteVteps") or []
    out: set[str] = set()
    if isinstance(raw, list):
        for r in raw:
            if isinstance(r, dict):
                ip = r.get("ip") or r.get("vtepIp")
                if ip:
                    out.add(str(ip))
            elif isinstance(r, str):
                out.add(r)
    elif isinstance(raw, dict):
        out.update(str(k) for k in raw)
    return out


def _priv(access: DeviceAccess, command: str) -> str:
    return f"sudo -n {command}" if access.sudo else command


def _all_routes(text: str) -> Any:
    return parse_routes(text, configured_only=False)


LINUX: dict[str, Reader] = {
    "links": Reader(lambda a: "ip -j -d link show", parse_links),
    "addrs": Reader(lambda a: "ip -j addr show", parse_addrs),
    "rules": Reader(lambda a: "ip -j rule show", parse_rules),
    "routes": Reader(lambda a: "ip -j route show table all", _all_routes),
    "lldp": Reader(lambda a: _priv(a, lldp_command(a.lldp_socket)), parse_lldp),
    "hostname": Reader(lambda a: "hostname", str.strip),
}
FRR: dict[str, Reader] = {
    **LINUX,
    "bgp": Reader(lambda a: vtysh_command(a, "show bgp vrf default neighbors json"), parse_json),
    "evpn": Reader(lambda a: vtysh_command(a, "show evpn vni detail json"), parse_evpn),
    "frr_config": Reader(lambda a: vtysh_command(a, "show running-config"), str),
}
SONIC: dict[str, Reader] = {
    **FRR,
    # lldpd runs in SONiC's lldp container; its local interfaces are the SONiC port netdevs
    "lldp": Reader(lambda a: _priv(a, "docker exec lldp " + lldp_command()), parse_lldp),
}
"""SONiC is Linux + FRR: its port netdevs are the SONiC port names (``Ethernet<N>``, the Fabric's
``Port.name``), the loopback address sits on ``Loopback0`` (``Platform.loopback``), and
``vtysh`` on the host runs in the bgp container (``sudo`` as the ``admin`` user)."""


def linux_readers() -> dict[str, Reader]:
    """The readers of a Linux device (the ``facts`` hook of servers)."""
    return LINUX


def frr_readers() -> dict[str, Reader]:
    """The readers of a Linux + FRR switch (the ``facts`` hook of frr and cumulus: Cumulus Linux
    runs FRR and lldpd natively, and its port netdevs are the Fabric's ``swp`` port names)."""
    return FRR


def sonic_readers() -> dict[str, Reader]:
    """The readers of a SONiC switch (the ``facts`` hook of sonic)."""
    return SONIC


SERVER_READERS = "toolkit.health.readers:linux_readers"
"""Readers of servers (``linux``: not a switch platform of the registry)."""


def readers_ref(platform: str) -> str | None:
    return hook_ref(platform, "facts", SERVER_READERS)


def readers_for(platform: str) -> dict[str, Reader]:
    """Fact kind -> reader for ``platform`` (empty: aidc cannot observe that platform yet)."""
    ref = readers_ref(platform)
    if not ref:
        return {}
    hook = cast("Callable[[], dict[str, Reader]]", load(ref))
    return hook()
