"""lldpd's view of the neighbours: ``lldpcli show neighbors -f json0``, parsed once for all."""

from __future__ import annotations

import json
import shlex

Neighbors = dict[str, list[tuple[str, str]]]
"""local interface -> [(peer system name, peer port id)]"""


def lldp_command(socket: str | None = None) -> str:
    """The lldpcli command printing the neighbours (``socket``: lldpd's control socket)."""
    where = f" -u {shlex.quote(socket)}" if socket else ""
    return f"lldpcli{where} show neighbors -f json0"


def parse_lldp(text: str) -> Neighbors:
    """lldpcli ``-f json0`` output: local interface -> [(peer system name, peer port id)]."""
    data = json.loads(text or "{}")
    out: Neighbors = {}
    for lldp in data.get("lldp", []) or []:
        for iface in lldp.get("interface", []) or []:
            sysname = ""
            for ch in iface.get("chassis", []) or []:
                for nm in ch.get("name", []) or []:
                    sysname = nm.get("value", sysname)
            portid = ""
            for port in iface.get("port", []) or []:
                for pid in port.get("id", []) or []:
                    portid = pid.get("value", portid)
            out.setdefault(iface.get("name", ""), []).append((sysname, portid))
    return out
