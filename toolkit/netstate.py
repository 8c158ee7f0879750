"""Linux network state: one snapshot model, one iproute2 JSON parser, one reconciler.

Used by the switch driver (running state, backup, restore), the host playbook's filter plugin
(``playbooks/filter_plugins/aidc_net.py`` imports this module: what a host must change), and
the health facts (links, addresses, routes, rules as seen on a device).

- ``parse_links`` / ``parse_addrs`` / ``parse_routes`` / ``parse_rules`` / ``parse_sysctl`` read
  the output of ``ip -j -d link show``, ``ip -j addr show``, ``ip -j route show table all``,
  ``ip -j rule show`` and ``sysctl`` (``key = value`` lines); ``parse_snapshot`` makes a
  ``NetSnapshot`` of them, normalised so that equal state gives equal text.
- ``reconcile(intent, now)`` gives the commands (argv lists) that turn the state ``now`` into
  ``intent``: a full snapshot (restore after a failed apply: ``intent_of(snapshot)``) or the
  designed part of a host (``host_intent``: MTU, addresses, per-NIC tables, policy rules).
- ``shell_script`` / ``ip_batch`` spell the commands for ``sh`` or ``ip -batch``.

Pure functions only (no I/O): the module runs inside Ansible's controller as well.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SYSCTLS: tuple[str, ...] = ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")
"""Sysctls every snapshot holds (the network script of a routing switch sets them)."""
DAEMON_PROTOCOLS = frozenset({"kernel", "bgp", "zebra", "ospf", "isis", "ra", "redirect"})
"""Routes that follow from addresses (kernel) or from routing daemons are not state aidc sets."""
MANAGED_KINDS = frozenset({"bridge", "vxlan"})
"""Interface kinds a network script may create, hence a restore may delete or re-create."""
_TABLE_NAMES = {"254": "main", "253": "default", "255": "local"}


class IfState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="linkinfo kind (veth, bridge, vxlan, ...) or the link type")
    mtu: int
    up: bool = Field(description="administratively up")
    master: str | None = None
    alias: str | None = None
    addresses: list[str] = Field(default_factory=list, description="IPv4 and non-link-local IPv6, with prefix")
    vxlan: dict[str, Any] | None = Field(default=None, description="id, local, port of a VXLAN device")
    stp_state: int | None = Field(default=None, description="bridge: spanning tree (0 off, 1 on)")
    priority: int | None = Field(default=None, description="bridge: its spanning-tree bridge priority")
    learning: bool | None = Field(default=None, description="bridge port: MAC learning")
    guard: bool | None = Field(default=None, description="bridge port: BPDU guard")
    carrier: bool | None = Field(default=None, description="LOWER_UP (observed, not configured state)")
    operstate: str | None = Field(default=None, description="operstate (observed, not configured state)")
    mac: str | None = Field(
        default=None, description="link-layer address (observed: a restore leaves it, canonical() omits it)"
    )


_OBSERVED = {"carrier", "operstate", "mac"}


class DcbState(BaseModel):
    """Lossless RoCE settings of a port as ``dcb`` shows them (a port without DCB has none)."""

    model_config = ConfigDict(extra="forbid")

    pfc: dict[int, bool] = Field(default_factory=dict, description="priority -> PFC on")
    dscp_prio: dict[int, int] = Field(default_factory=dict, description="DSCP -> priority (APP table)")


class RouteState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    dst: str
    gateway: str | None = None
    dev: str | None = None
    prefsrc: str | None = None
    scope: str | None = None
    metric: int | None = None
    type: str | None = None

    def key(self) -> str:
        parts = [f"table {self.table}", self.dst if self.type in (None, "unicast") else f"{self.type} {self.dst}"]
        for k in ("gateway", "dev", "prefsrc", "scope", "metric"):
            v = getattr(self, k)
            if v is not None:
                parts.append(f"{k} {v}")
        return " ".join(parts)

    def ident(self) -> tuple[str, str, str, str, str, str, int]:
        """What makes two routes the same route (the scope follows from a missing gateway)."""
        return (
            self.table,
            self.type or "unicast",
            self.dst,
            self.gateway or "",
            self.dev or "",
            self.prefsrc or "",
            int(self.metric or 0),
        )

    def argv(self, verb: str) -> list[str]:
        out = ["ip", "route", verb]
        if self.type not in (None, "unicast"):
            out.append(str(self.type))
        out.append(self.dst)
        if self.gateway:
            out += ["via", self.gateway]
        if self.dev:
            out += ["dev", self.dev]
        out += ["table", self.table]
        if self.prefsrc and verb != "del":
            out += ["src", self.prefsrc]
        if self.scope and self.scope != "global" and verb != "del":
            out += ["scope", self.scope]
        if self.metric:
            out += ["metric", str(self.metric)]
        return out


class RuleState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: int
    src: str = "all"
    table: str

    def key(self) -> str:
        return f"pref {self.priority} from {self.src} lookup {self.table}"

    def argv(self, verb: str) -> list[str]:
        return ["ip", "rule", verb, "pref", str(self.priority), "from", self.src, "lookup", self.table]


class NetSnapshot(BaseModel):
    """Interface state of a device, normalised so that equal state gives equal text."""

    model_config = ConfigDict(extra="forbid")

    interfaces: dict[str, IfState] = Field(default_factory=dict)
    sysctl: dict[str, str] = Field(default_factory=dict)
    routes: list[RouteState] = Field(default_factory=list, description="static (not kernel/daemon) routes")
    rules: list[RuleState] = Field(default_factory=list, description="policy rules")
    dcb: dict[str, DcbState | None] = Field(
        default_factory=dict, description="ports whose DCB state was read; None: the port has no DCB (veth)"
    )

    def canonical(self) -> str:
        """The configured state as compact JSON (observed link state is left out, and the DCB
        state: read only for the ports an apply configures, see ``dcb_commands``)."""
        data = self.model_dump(mode="json", exclude={"interfaces": {"__all__": _OBSERVED}, "dcb": True})
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def restricted(self, sysctl_keys: Iterable[str] | None) -> NetSnapshot:
        """A copy holding only the base sysctls plus ``sysctl_keys`` (None: all)."""
        if sysctl_keys is None:
            return self
        keep = {*SYSCTLS, *sysctl_keys}
        return self.model_copy(update={"sysctl": {k: v for k, v in self.sysctl.items() if k in keep}})

    def text(self) -> str:
        """One line per fact, for unified diffs."""
        lines: list[str] = []
        for k in sorted(self.sysctl):
            lines.append(f"sysctl {k} = {self.sysctl[k]}")
        for name in sorted(self.interfaces):
            i = self.interfaces[name]
            head = f"link {name} {i.kind} mtu {i.mtu} {'up' if i.up else 'down'}"
            if i.master:
                head += f" master {i.master}"
            if i.vxlan:
                head += " vxlan " + " ".join(f"{k} {i.vxlan[k]}" for k in sorted(i.vxlan))
            if i.stp_state:
                head += f" stp priority {i.priority}"
            if i.learning is False:
                head += " nolearning"
            if i.guard:
                head += " bpdu-guard"
            lines.append(head)
            if i.alias:
                lines.append(f"link {name} alias {i.alias}")
            lines.extend(f"addr {name} {a}" for a in sorted(i.addresses))
        lines.extend(f"route {r.key()}" for r in self.routes)
        lines.extend(f"rule {r.key()}" for r in self.rules)
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- parsing


def _json_list(text: Any) -> list[dict[str, Any]]:
    """iproute2 JSON (text, or already parsed by Ansible) as a list of objects."""
    data = json.loads(text) if isinstance(text, str) and text.strip() else text if not isinstance(text, str) else []
    return [x for x in (data or []) if isinstance(x, dict)]


def table_name(value: Any) -> str:
    """A routing table as iproute2 prints it (``254`` is ``main``)."""
    s = str(value if value is not None else "main")
    return _TABLE_NAMES.get(s, s)


def prefix(value: str) -> str:
    """A destination or source as iproute2 prints it (host prefixes without length, ``default``)."""
    if value in ("default", "all", ""):
        return value or "default"
    if value in ("0.0.0.0/0", "::/0"):
        return "default"
    if value.endswith("/32") and ":" not in value:
        return value[:-3]
    if value.endswith("/128") and ":" in value:
        return value[:-4]
    return value


def parse_addrs(text: Any) -> dict[str, list[str]]:
    """``ip -j addr show``: ifname -> sorted ``address/prefix`` (IPv4, IPv6 but link-local)."""
    out: dict[str, list[str]] = {}
    for a in _json_list(text):
        lst = out.setdefault(str(a.get("ifname", "")), [])
        for ai in a.get("addr_info", []) or []:
            fam, scope = ai.get("family"), ai.get("scope")
            if fam not in ("inet", "inet6") or "local" not in ai or (fam == "inet6" and scope == "link"):
                continue
            lst.append(f"{ai['local']}/{ai.get('prefixlen', 32 if fam == 'inet' else 128)}")
        lst.sort()
    return out


def parse_links(text: Any, addrs: dict[str, list[str]] | None = None) -> dict[str, IfState]:
    """``ip -j -d link show``: ifname -> IfState (addresses from ``addrs``, if given)."""
    ifs: dict[str, IfState] = {}
    for lk in _json_list(text):
        name = str(lk.get("ifname", ""))
        info = lk.get("linkinfo") or {}
        kind = info.get("info_kind") or lk.get("link_type", "ether")
        data = info.get("info_data") or {}
        slave = (info.get("info_slave_data") or {}) if info.get("info_slave_kind") == "bridge" else {}
        vx = None
        if kind == "vxlan":
            vx = {k: data.get(k) for k in ("id", "local", "port", "learning") if data.get(k) is not None}
        bridge = kind == "bridge"
        flags = lk.get("flags") or []
        ifs[name] = IfState(
            kind=kind,
            mtu=int(lk.get("mtu", 0)),
            up="UP" in flags,
            master=lk.get("master"),
            alias=lk.get("ifalias") or None,
            addresses=list((addrs or {}).get(name, [])),
            vxlan=vx,
            stp_state=_int_or_none(data.get("stp_state")) if bridge else None,
            priority=_int_or_none(data.get("priority")) if bridge else None,
            learning=_bool_or_none(slave.get("learning")),
            guard=_bool_or_none(slave.get("guard")),
            carrier="LOWER_UP" in flags,
            operstate=lk.get("operstate"),
            mac=lk.get("address") or None,
        )
    return ifs


def _int_or_none(v: Any) -> int | None:
    return None if v is None else int(v)


def _bool_or_none(v: Any) -> bool | None:
    return None if v is None else bool(v)


def parse_dcb(pfc_text: str, app_text: str) -> DcbState | None:
    """``dcb pfc show dev X prio-pfc`` and ``dcb -N app show dev X dscp-prio`` (text: the same
    ``key:value`` words as the ``set`` syntax, dcb(8)); None when the port has no DCB (the
    command failed: empty output)."""
    words = pfc_text.split()
    if not words or words[0] != "prio-pfc":
        return None
    pfc = {int(k): v == "on" for k, _, v in (w.partition(":") for w in words[1:]) if k.isdigit()}
    dscp: dict[int, int] = {}
    for w in app_text.split():
        k, sep, v = w.partition(":")
        if sep and k.isdigit() and v.isdigit():
            dscp[int(k)] = int(v)
    return DcbState(pfc=pfc, dscp_prio=dscp)


def parse_routes(text: Any, *, configured_only: bool = True) -> list[RouteState]:
    """``ip -j route show table all``: unicast/blackhole/... routes, sorted; ``configured_only``
    leaves out the local table and what the kernel or a routing daemon installed."""
    routes: list[RouteState] = []
    for r in _json_list(text):
        table = table_name(r.get("table"))
        if configured_only and (
            table == "local"
            or r.get("protocol") in DAEMON_PROTOCOLS
            or r.get("type") in ("broadcast", "local", "multicast", "anycast")
        ):
            continue
        routes.append(
            RouteState(
                table=table,
                dst=prefix(str(r.get("dst", "default"))),
                gateway=r.get("gateway"),
                dev=r.get("dev"),
                prefsrc=r.get("prefsrc"),
                scope=r.get("scope") if r.get("scope") not in (None, "global") else None,
                metric=r.get("metric"),
                type=r.get("type") if r.get("type") not in (None, "unicast") else None,
            )
        )
    routes.sort(key=lambda x: x.key())
    return routes


def parse_rules(text: Any) -> list[RuleState]:
    """``ip -j rule show``: rules with a lookup table, by priority."""
    rules = []
    for r in _json_list(text):
        if "table" not in r:
            continue
        src = str(r.get("src", "all"))
        if r.get("srclen") is not None and src != "all":
            src = f"{src}/{r['srclen']}"
        rules.append(RuleState(priority=int(r.get("priority", 0)), src=prefix(src), table=table_name(r["table"])))
    rules.sort(key=lambda x: (x.priority, x.key()))
    return rules


def parse_sysctl(text: str) -> dict[str, str]:
    """``sysctl k1 k2`` output (``key = value`` lines)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, val = line.partition("=")
        if sep:
            out[key.strip()] = " ".join(val.split())
    return out


def parse_snapshot(
    link_json: str,
    addr_json: str,
    sysctl_text: str = "",
    route_json: str = "",
    rule_json: str = "",
    dcb: dict[str, tuple[str, str]] | None = None,
) -> NetSnapshot:
    """``dcb``: port -> (``dcb pfc show`` output, ``dcb app show`` output), see ``parse_dcb``."""
    return NetSnapshot(
        interfaces=parse_links(link_json, parse_addrs(addr_json)),
        sysctl=parse_sysctl(sysctl_text),
        routes=parse_routes(route_json),
        rules=parse_rules(rule_json),
        dcb={port: parse_dcb(*out) for port, out in sorted((dcb or {}).items())},
    )


def global_ipv4(address: str) -> bool:
    """A global IPv4 address (not loopback, not link-local): what a host design assigns."""
    try:
        ip = ipaddress.ip_interface(address).ip
    except ValueError:
        return False
    return ip.version == 4 and not ip.is_loopback and not ip.is_link_local


# ---------------------------------------------------------------------------------- intent


class LinkIntent(BaseModel):
    """Wanted state of one interface; None: not managed."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(default=None, description="bridge/vxlan: created when missing (``devices``)")
    vxlan: dict[str, Any] | None = None
    mtu: int | None = None
    up: bool | None = None
    master: str | None = None
    manage_master: bool = False
    alias: str | None = None
    manage_alias: bool = False
    addresses: list[str] | None = Field(default=None, description="exact set of the managed addresses")
    keep_addresses: bool = Field(default=False, description="add ``addresses``, delete none (management port)")
    stp_state: int | None = Field(default=None, description="bridge: spanning tree 0 (off) / 1 (on)")
    priority: int | None = Field(default=None, description="bridge: spanning-tree priority (with stp_state 1)")
    learning: bool | None = Field(default=None, description="bridge port: MAC learning")
    guard: bool | None = Field(default=None, description="bridge port: BPDU guard")
    optional: bool = Field(default=False, description="configured if the device has it (an unused port)")
    mac: str | None = Field(
        default=None, description="link-layer address to set (a storage segment's bridge: its anycast gateway MAC)"
    )


class DcbIntent(BaseModel):
    """Lossless RoCE on a port: PFC on exactly ``pfc`` (the others off), the DSCP map (trust DSCP)."""

    model_config = ConfigDict(extra="forbid")

    pfc: list[int]
    dscp_prio: dict[int, int] = Field(default_factory=dict, description="empty: the DSCP map is not managed")


class NetIntent(BaseModel):
    """Wanted network state, and which part of the running state it owns."""

    model_config = ConfigDict(extra="forbid")

    links: dict[str, LinkIntent] = Field(default_factory=dict)
    addresses: Literal["all", "global-ipv4"] = Field(
        default="all", description="which addresses of a link the intent owns"
    )
    devices: bool = Field(default=False, description="create/delete bridge and VXLAN devices to match")
    prune_bridges: str | None = Field(
        default=None,
        description="with devices: only bridges whose name matches this regular expression are deleted "
        "when the intent does not hold them (None: every bridge); VXLAN devices always",
    )
    routes: list[RouteState] = Field(default_factory=list)
    route_tables: list[str] | None = Field(
        default=None, description="tables whose other routes are removed (None: every table)"
    )
    rules: list[RuleState] = Field(default_factory=list)
    rules_owned: Literal["all", "designed"] = Field(
        default="all", description="designed: only rules sharing a priority or table with the intent"
    )
    sysctl: dict[str, str] = Field(default_factory=dict)
    dcb: dict[str, DcbIntent] = Field(default_factory=dict, description="ports with lossless RoCE")


class Reconciliation(BaseModel):
    commands: list[list[str]] = Field(default_factory=list, description="argv lists, in order")
    warnings: list[str] = Field(default_factory=list, description="differences no command can close")
    errors: list[str] = Field(default_factory=list, description="what stops the change: nothing may run")


def intent_of(snap: NetSnapshot) -> NetIntent:
    """The intent that puts a device back to ``snap`` exactly (a restore)."""
    return NetIntent(
        # the configured part of each interface (not carrier / operstate), master and alias owned
        links={
            name: LinkIntent(**i.model_dump(exclude=_OBSERVED), manage_master=True, manage_alias=True)
            for name, i in snap.interfaces.items()
        },
        devices=True,
        routes=list(snap.routes),
        rules=list(snap.rules),
        sysctl=dict(snap.sysctl),
    )


def host_intent(
    interfaces: Iterable[dict[str, Any]], routes: Iterable[dict[str, Any]], rules: Iterable[dict[str, Any]]
) -> NetIntent:
    """A host's designed state from its host_vars (``aidc_interfaces``, ``aidc_routes``,
    ``aidc_rules``): every designed interface up with its MTU and only its address (global
    IPv4), every designed route, and the per-NIC tables and rule priorities owned."""
    want_routes = [
        RouteState(
            table=table_name(r["table"]),
            dst=prefix(str(r["to"])),
            gateway=r.get("via") or None,
            dev=str(r["dev"]),
            prefsrc=r.get("src") or None,
            scope=r.get("scope") or None,
            metric=int(r["metric"]) if r.get("metric") else None,
        )
        for r in routes
    ]
    tables = sorted({r.table for r in want_routes} - {"main", "default", "local"})
    return NetIntent(
        links={
            str(i["ifname"]): LinkIntent(
                mtu=int(i["mtu"]), up=True, addresses=[str(i["address"])] if i.get("address") else []
            )
            for i in interfaces
        },
        addresses="global-ipv4",
        routes=want_routes,
        route_tables=tables,
        rules=[
            RuleState(priority=int(r["priority"]), src=prefix(str(r["from"])), table=table_name(r["table"]))
            for r in rules
        ],
        rules_owned="designed",
    )


def reconcile(intent: NetIntent, now: NetSnapshot) -> Reconciliation:
    """Commands turning ``now`` into ``intent``, in a safe order: stale rules and routes out,
    devices deleted or (re-)created, per link MTU / master / bridge-port flags / alias /
    addresses / admin state (bridges last: a bridge's MTU is bounded by its ports), DCB,
    sysctls, missing rules and routes in. ``errors``: what stops the change (a designed port the
    device lacks, a device of the wrong kind); ``warnings``: differences no command can close."""
    out = Reconciliation()
    cmds = out.commands
    # rules and routes the intent does not hold go first (before their addresses do)
    want_rules = {r.key() for r in intent.rules}
    prios = {r.priority for r in intent.rules}
    tables = {r.table for r in intent.rules}
    for rule in now.rules:
        owned = intent.rules_owned == "all" or rule.priority in prios or rule.table in tables
        if owned and rule.key() not in want_rules:
            cmds.append(rule.argv("del"))
    want_routes = {r.ident() for r in intent.routes}
    for route in now.routes:
        owned = intent.route_tables is None or route.table in intent.route_tables
        if owned and route.ident() not in want_routes:
            cmds.append(route.argv("del"))
    have, want = now.interfaces, intent.links
    recreate = _devices(intent, now, out) if intent.devices else set()
    out.errors.extend(
        f"{n}: no such interface on the device"
        for n, w in want.items()
        if n not in have and w.kind is None and not w.optional
    )
    for name in sorted(want, key=lambda x: (want[x].kind == "bridge", x)):
        cur = None if name in recreate else have.get(name)
        if cur is None and name not in recreate:
            continue
        cmds.extend(_link_commands(name, want[name], cur, intent.addresses))
    cmds.extend(_dcb_commands(intent, now, out))
    for key, val in sorted(intent.sysctl.items()):
        if now.sysctl.get(key) != val:
            cmds.append(["sysctl", "-q", "-w", f"{key}={val}"])
    have_rules = {r.key() for r in now.rules}
    cmds.extend(r.argv("add") for r in intent.rules if r.key() not in have_rules)
    have_routes = {r.ident() for r in now.routes}
    cmds.extend(r.argv("replace") for r in intent.routes if r.ident() not in have_routes)
    return out


def _devices(intent: NetIntent, now: NetSnapshot, out: Reconciliation) -> set[str]:
    """Bridges and VXLAN devices deleted / (re-)created to match; the names (re-)created."""
    have, want, cmds = now.interfaces, intent.links, out.commands
    recreate: set[str] = set()
    for name in sorted(set(have) - set(want)):
        kind = have[name].kind
        if kind == "vxlan" or (kind == "bridge" and _pruned(intent.prune_bridges, name)):
            cmds.append(["ip", "link", "del", "dev", name])
        elif intent.prune_bridges is None and kind not in MANAGED_KINDS:
            out.warnings.append(f"{name}: {kind} device appeared, left in place")
    for name in sorted(want):
        w = want[name]
        if w.kind is None:
            continue
        gone = name not in have
        if not gone and w.kind in MANAGED_KINDS and have[name].kind != w.kind and w.kind == "bridge":
            out.errors.append(f"{name}: exists and is a {have[name].kind} device, not a bridge")
            continue
        changed = not gone and w.kind == "vxlan" and (have[name].kind != "vxlan" or have[name].vxlan != w.vxlan)
        if not (gone or changed):
            continue
        if w.kind not in MANAGED_KINDS:
            if gone:
                out.warnings.append(f"{name}: {w.kind} device disappeared, cannot be re-created")
            continue
        if changed:
            cmds.append(["ip", "link", "del", "dev", name])
        cmds.append(_create_argv(name, w))
        recreate.add(name)
    return recreate


def _pruned(pattern: str | None, name: str) -> bool:
    return pattern is None or re.fullmatch(pattern, name) is not None


def _link_commands(name: str, w: LinkIntent, cur: IfState | None, owned: str) -> list[list[str]]:
    """One interface: ``cur`` None: just created (every managed attribute is set)."""
    cmds: list[list[str]] = []
    dev = ["ip", "link", "set", "dev", name]
    if w.mtu is not None and (cur is None or cur.mtu != w.mtu):
        cmds.append([*dev, "mtu", str(w.mtu)])
    if w.manage_master and (cur.master if cur else None) != w.master:
        cmds.append([*dev, "master", w.master] if w.master else [*dev, "nomaster"])
    if w.stp_state is not None and (
        cur is None
        or (cur.stp_state, cur.priority) != (w.stp_state, cur.priority if w.priority is None else w.priority)
    ):
        prio = ["priority", str(w.priority)] if w.priority is not None else []
        cmds.append([*dev, "type", "bridge", "stp_state", str(w.stp_state), *prio])
    if w.learning is not None and (cur is None or cur.learning != w.learning):
        cmds.append(["bridge", "link", "set", "dev", name, "learning", "on" if w.learning else "off"])
    if w.guard is not None and bool(cur.guard if cur else False) != w.guard:  # a new port has none
        cmds.append([*dev, "type", "bridge_slave", "guard", "on" if w.guard else "off"])
    if w.mac is not None and ((cur.mac if cur else None) or "").lower() != w.mac.lower():
        cmds.append([*dev, "address", w.mac])
    if w.manage_alias and ((cur.alias if cur else None) or "") != (w.alias or ""):
        cmds.append([*dev, "alias", w.alias or ""])
    if w.addresses is not None:
        cur_addrs = set(cur.addresses) if cur else set()
        if owned == "global-ipv4":
            cur_addrs = {a for a in cur_addrs if global_ipv4(a)}
        if not w.keep_addresses:
            cmds.extend(["ip", "addr", "del", a, "dev", name] for a in sorted(cur_addrs - set(w.addresses)))
        cmds.extend(["ip", "addr", "replace", a, "dev", name] for a in sorted(set(w.addresses) - cur_addrs))
    if w.up is not None and (cur is None or cur.up != w.up):
        cmds.append([*dev, "up" if w.up else "down"])
    return cmds


def _dcb_commands(intent: NetIntent, now: NetSnapshot, out: Reconciliation) -> list[list[str]]:
    """Lossless RoCE where the port has DCB; the ports without it named in one warning (a veth
    has none: the NIC driver's defaults apply)."""
    cmds: list[list[str]] = []
    without: list[str] = []
    for port, w in sorted(intent.dcb.items()):
        if port not in now.interfaces:
            continue
        cur = now.dcb.get(port)
        if cur is None:
            without.append(port)
            continue
        if any(cur.dscp_prio.get(d) != t for d, t in w.dscp_prio.items()):
            cmds.append(
                [
                    "dcb",
                    "app",
                    "replace",
                    "dev",
                    port,
                    "dscp-prio",
                    *(f"{d}:{t}" for d, t in sorted(w.dscp_prio.items())),
                ]
            )
        pfc = {p: p in w.pfc for p in range(8)}
        if {p: cur.pfc.get(p, False) for p in range(8)} != pfc:
            cmds.append(["dcb", "pfc", "set", "dev", port, "prio-pfc", "all:off", *(f"{p}:on" for p in sorted(w.pfc))])
    if without:
        out.warnings.append(f"no DCB support, RoCE QoS left to the driver on: {' '.join(without)}")
    return cmds


def _create_argv(name: str, w: LinkIntent) -> list[str]:
    if w.kind == "bridge":
        return ["ip", "link", "add", name, "type", "bridge", "stp_state", "0"]
    vx = w.vxlan or {}
    argv = ["ip", "link", "add", name, "type", "vxlan", "id", str(int(vx.get("id", 0)))]
    if vx.get("local"):
        argv += ["local", str(vx["local"])]
    argv += ["dstport", str(int(vx.get("port", 4789)))]
    return argv if vx.get("learning") else [*argv, "nolearning"]


def missing_links(intent: NetIntent, now: NetSnapshot) -> list[str]:
    """Interfaces the intent configures that the device does not have (and will not create)."""
    return [
        n for n, w in intent.links.items() if n not in now.interfaces and w.kind not in MANAGED_KINDS and not w.optional
    ]


def sysctl_changes(wanted: dict[str, Any], current: dict[str, str]) -> dict[str, str]:
    """The sysctls of ``wanted`` whose current value differs (values compared as text)."""
    return {k: str(v) for k, v in wanted.items() if " ".join(str(current.get(k, "")).split()) != str(v)}


# ---------------------------------------------------------------------------------- output


def intent_json(intent: NetIntent) -> str:
    """``intent`` as JSON, one line per link (unset values left out): small, and a unified diff
    of two of them names the links that change. ``NetIntent.model_validate_json`` reads it."""
    data = intent.model_dump(mode="json", exclude_defaults=True)
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            inner = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in value.items())
            lines.append(f" {json.dumps(key)}: {{\n{inner}\n }}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def shell_script(
    commands: list[list[str]],
    what: str = "put the interfaces back to the backup snapshot",
    *,
    stop_on_error: bool = False,
) -> str:
    """A ``sh`` script running every command; a failing command is reported and the script goes
    on (a restore does what it can), exiting 1 at the end if any failed; ``stop_on_error``: it
    stops there (an apply: nothing after a failed step runs)."""
    body = []
    for argv in commands:
        line = shlex.join(argv)
        stop = "exit 1" if stop_on_error else "rc=1"
        body.append(f"{line} || {{ echo {shlex.quote('failed: ' + line)} >&2; {stop}; }}")
    head = f"#!/bin/sh\n# aidc: {what}\nrc=0\n"
    return head + "\n".join(body) + "\nexit $rc\n"


def ip_batch(commands: list[list[str]]) -> str:
    """argv lists (each starting with ``ip``) -> the input of ``ip -batch -``."""
    lines = []
    for argv in commands:
        if not argv or argv[0] != "ip":
            raise ValueError(f"cannot batch {argv!r}: not an ip command")
        words = [str(w) for w in argv[1:]]
        if any(not w or any(c.isspace() for c in w) for w in words):
            raise ValueError(f"cannot batch {argv!r}: empty or blank word")
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"
