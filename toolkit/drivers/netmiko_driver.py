"""Switches (and, for state snapshots and restores, any Linux device) over SSH with netmiko.

One ``NetmikoDriver`` is one SSH session (netmiko ``linux`` device type: key file, ssh_config,
known_hosts; never a password on the command line or in a file). On a ``frr`` switch:

- running state: ``vtysh [-N <pathspace>] -c 'show running-config'`` plus the interface state
  (``ip -j -d link``, ``ip -j addr``, forwarding sysctls) as a normalised ``NetSnapshot``;
- backup: the running FRR config (also kept on the device as ``<workdir>/aidc-backup.conf``) and
  the interface snapshot, taken before anything changes;
- apply: upload ``aidc-intended.conf`` and ``aidc-network.sh`` into ``<workdir>`` (SFTP), validate
  the FRR config (``frr-reload.py --test``, nothing changes if it is invalid), run the network
  script, then ``frr-reload.py --reload`` (``--confdir /etc/frr`` and ``-N <pathspace>`` in the
  lab: frr-reload passes the base directory to vtysh, which appends the pathspace itself);
- restore: put the interfaces back to the backup snapshot (a generated iproute2 script: addresses,
  MTU, alias, master, admin state, bridge/VXLAN devices, forwarding sysctls) and reload the backup
  FRR config; both are verified by reading the state again.

In the lab every SSH session already runs in the device's network and UTS namespaces (sshd was
started there with the device's hostname, see toolkit.lab.runtime) and carries ``AIDC_DEVICE`` /
``AIDC_NETNS`` in its environment; the driver checks them against the target before it changes
anything, so it can never configure the wrong namespace.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shlex
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from toolkit.targets import DeviceAccess

FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
INTENDED = "aidc-intended.conf"
NETWORK_SCRIPT = "aidc-network.sh"
BACKUP = "aidc-backup.conf"
RESTORE_SCRIPT = "aidc-restore.sh"
_RC = "__AIDC_RC__"
_BEGIN = "__AIDC_BEGIN__"
_SECTION = "__AIDC_SECTION__"
SYSCTLS: tuple[str, ...] = ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")
"""Sysctls every snapshot holds (the network script of a routing switch sets them)."""
_SKIP_ROUTE_PROTOCOLS = frozenset({"kernel", "bgp", "zebra", "ospf", "isis", "ra", "redirect"})
"""Routes that follow from addresses (kernel) or from routing daemons are not state aidc sets."""
_MANAGED_KINDS = frozenset({"bridge", "vxlan"})
"""Interface kinds a network script may create, hence a restore may delete or re-create."""


class DriverError(RuntimeError):
    """A device operation failed (message is safe to show: no secrets)."""


class ConnectError(DriverError):
    """The device could not be reached or refused the login."""


class CommandResult(BaseModel):
    command: str
    rc: int
    output: str
    seconds: float


class IfState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="linkinfo kind (veth, bridge, vxlan, ...) or the link type")
    mtu: int
    up: bool = Field(description="administratively up")
    master: str | None = None
    alias: str | None = None
    addresses: list[str] = Field(default_factory=list, description="IPv4 and non-link-local IPv6, with prefix")
    vxlan: dict[str, Any] | None = Field(default=None, description="id, local, port of a VXLAN device")


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

    def argv(self) -> str:
        q = shlex.quote
        out = [q(self.dst) if self.type in (None, "unicast") else f"{q(self.type)} {q(self.dst)}"]
        if self.gateway:
            out.append(f"via {q(self.gateway)}")
        if self.dev:
            out.append(f"dev {q(self.dev)}")
        out.append(f"table {q(self.table)}")
        if self.prefsrc:
            out.append(f"src {q(self.prefsrc)}")
        if self.scope and self.scope != "global":
            out.append(f"scope {q(self.scope)}")
        if self.metric is not None:
            out.append(f"metric {self.metric}")
        return " ".join(out)


class RuleState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: int
    src: str = "all"
    table: str

    def key(self) -> str:
        return f"pref {self.priority} from {self.src} lookup {self.table}"


class NetSnapshot(BaseModel):
    """Interface state of a device, normalised so that equal state gives equal text."""

    model_config = ConfigDict(extra="forbid")

    interfaces: dict[str, IfState] = Field(default_factory=dict)
    sysctl: dict[str, str] = Field(default_factory=dict)
    routes: list[RouteState] = Field(default_factory=list, description="IPv4, static (not kernel/daemon) routes")
    rules: list[RuleState] = Field(default_factory=list, description="IPv4 policy rules")

    def canonical(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

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
            lines.append(head)
            if i.alias:
                lines.append(f"link {name} alias {i.alias}")
            lines.extend(f"addr {name} {a}" for a in sorted(i.addresses))
        lines.extend(f"route {r.key()}" for r in self.routes)
        lines.extend(f"rule {r.key()}" for r in self.rules)
        return "\n".join(lines) + "\n"


class RunningState(BaseModel):
    """What a device runs now: FRR config (switches) and interface state."""

    frr: str | None = Field(default=None, description="normalised `show running-config` (None on servers)")
    net: NetSnapshot

    def fingerprint(self, sysctl_keys: Iterable[str] | None = None) -> str:
        """Hash of the FRR config and the interface state (sysctls: base + ``sysctl_keys``)."""
        h = hashlib.sha256()
        h.update((self.frr or "").encode())
        h.update(b"\0")
        h.update(self.net.restricted(sysctl_keys).canonical().encode())
        return h.hexdigest()


class Backup(BaseModel):
    device: str
    taken: float
    running: RunningState
    previous_network_script: str | None = Field(
        default=None, description="the aidc-network.sh found on the device (last applied), if any"
    )


class StepReport(BaseModel):
    step: str
    ok: bool
    seconds: float
    detail: str = ""


class RestoreReport(BaseModel):
    ok: bool
    steps: list[StepReport] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------- parsing


def normalize_frr(text: str) -> str:
    """`show running-config` without the banner and the version line (not configuration)."""
    out: list[str] = []
    for line in text.replace("\r", "").splitlines():
        s = line.rstrip()
        if not out and (not s or s in ("Building configuration...", "Current configuration:", "!")):
            continue
        if s.startswith("frr version "):
            continue
        out.append(s)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def parse_net(
    link_json: str, addr_json: str, sysctl_text: str = "", route_json: str = "", rule_json: str = ""
) -> NetSnapshot:
    links: list[dict[str, Any]] = json.loads(link_json or "[]")
    addrs: list[dict[str, Any]] = json.loads(addr_json or "[]")
    by_name: dict[str, list[str]] = {}
    for a in addrs:
        lst = by_name.setdefault(a.get("ifname", ""), [])
        for ai in a.get("addr_info", []):
            fam, scope = ai.get("family"), ai.get("scope")
            if fam == "inet6" and scope == "link":
                continue
            if fam not in ("inet", "inet6") or "local" not in ai:
                continue
            lst.append(f"{ai['local']}/{ai.get('prefixlen', 32 if fam == 'inet' else 128)}")
    ifs: dict[str, IfState] = {}
    for lk in links:
        name = lk.get("ifname", "")
        info = lk.get("linkinfo") or {}
        kind = info.get("info_kind") or lk.get("link_type", "ether")
        vx = None
        if kind == "vxlan":
            data = info.get("info_data") or {}
            vx = {k: data.get(k) for k in ("id", "local", "port") if data.get(k) is not None}
        ifs[name] = IfState(
            kind=kind,
            mtu=int(lk.get("mtu", 0)),
            up="UP" in (lk.get("flags") or []),
            master=lk.get("master"),
            alias=lk.get("ifalias") or None,
            addresses=sorted(by_name.get(name, [])),
            vxlan=vx,
        )
    sysctl: dict[str, str] = {}
    for line in sysctl_text.splitlines():
        key, sep, val = line.partition("=")
        if sep:
            sysctl[key.strip()] = " ".join(val.split())
    routes: list[RouteState] = []
    for r in json.loads(route_json or "[]"):
        table = str(r.get("table", "main"))
        if table == "local" or r.get("protocol") in _SKIP_ROUTE_PROTOCOLS:
            continue
        if r.get("type") in ("broadcast", "local", "multicast"):
            continue
        routes.append(
            RouteState(
                table=table,
                dst=str(r.get("dst", "")),
                gateway=r.get("gateway"),
                dev=r.get("dev"),
                prefsrc=r.get("prefsrc"),
                scope=r.get("scope") if r.get("scope") not in (None, "global") else None,
                metric=r.get("metric"),
                type=r.get("type") if r.get("type") not in (None, "unicast") else None,
            )
        )
    rules = [
        RuleState(
            priority=int(r.get("priority", 0)),
            src=f"{r['src']}/{r['srclen']}"
            if r.get("srclen") not in (None, 32) and r.get("src") != "all"
            else str(r.get("src", "all")),
            table=str(r.get("table", "main")),
        )
        for r in json.loads(rule_json or "[]")
        if "table" in r
    ]
    routes.sort(key=lambda x: x.key())
    rules.sort(key=lambda x: (x.priority, x.key()))
    return NetSnapshot(interfaces=ifs, sysctl=sysctl, routes=routes, rules=rules)


def restore_commands(before: NetSnapshot, now: NetSnapshot) -> tuple[list[str], list[str]]:
    """iproute2 commands turning ``now`` back into ``before``; plus what cannot be restored."""
    cmds: list[str] = []
    warnings: list[str] = []
    q = shlex.quote
    b, n = before.interfaces, now.interfaces
    # rules and routes added since the backup go first (before their addresses do)
    b_rules = {r.key(): r for r in before.rules}
    n_rules = {r.key(): r for r in now.rules}
    for k in sorted(set(n_rules) - set(b_rules)):
        r = n_rules[k]
        cmds.append(f"ip rule del pref {r.priority} from {q(r.src)} lookup {q(r.table)}")
    b_routes = {r.key(): r for r in before.routes}
    n_routes = {r.key(): r for r in now.routes}
    cmds.extend(f"ip route del {n_routes[k].argv()}" for k in sorted(set(n_routes) - set(b_routes)))
    # devices a script created since the backup
    for name in sorted(set(n) - set(b)):
        if n[name].kind in _MANAGED_KINDS:
            cmds.append(f"ip link del dev {q(name)}")
        else:
            warnings.append(f"{name}: {n[name].kind} device appeared, left in place")
    # devices that disappeared or whose VXLAN parameters changed: (re-)create
    recreate: list[str] = []
    for name in sorted(b):
        bi = b[name]
        gone = name not in n
        changed = not gone and bi.kind == "vxlan" and (n[name].kind != "vxlan" or n[name].vxlan != bi.vxlan)
        if not (gone or changed):
            continue
        if bi.kind not in _MANAGED_KINDS:
            if gone:
                warnings.append(f"{name}: {bi.kind} device disappeared, cannot be re-created")
            continue
        if changed:
            cmds.append(f"ip link del dev {q(name)}")
        if bi.kind == "bridge":
            cmds.append(f"ip link add {q(name)} type bridge stp_state 0")
        else:
            vx = bi.vxlan or {}
            parts = [f"ip link add {q(name)} type vxlan id {int(vx.get('id', 0))}"]
            if vx.get("local"):
                parts.append(f"local {q(str(vx['local']))}")
            parts.append(f"dstport {int(vx.get('port', 4789))} nolearning")
            cmds.append(" ".join(parts))
        recreate.append(name)
    # per interface: bridges last for the MTU (a bridge MTU is bounded by its ports)
    order = sorted(b, key=lambda x: (b[x].kind == "bridge", x))
    for name in order:
        bi = b[name]
        ni = None if name in recreate else n.get(name)
        if ni is None and name not in recreate:
            continue
        if ni is None or ni.mtu != bi.mtu:
            cmds.append(f"ip link set dev {q(name)} mtu {bi.mtu}")
        if ni is None or ni.master != bi.master:
            cmds.append(f"ip link set dev {q(name)} " + (f"master {q(bi.master)}" if bi.master else "nomaster"))
        if ni is None or (ni.alias or "") != (bi.alias or ""):
            cmds.append(f"ip link set dev {q(name)} alias {q(bi.alias or '')}")
        have = set(ni.addresses) if ni else set()
        cmds.extend(f"ip addr del {q(a)} dev {q(name)}" for a in sorted(have - set(bi.addresses)))
        cmds.extend(f"ip addr add {q(a)} dev {q(name)}" for a in sorted(set(bi.addresses) - have))
        if ni is None or ni.up != bi.up:
            cmds.append(f"ip link set dev {q(name)} {'up' if bi.up else 'down'}")
    for key, val in sorted(before.sysctl.items()):
        if now.sysctl.get(key) != val:
            cmds.append(f"sysctl -q -w {q(f'{key}={val}')}")
    for k in sorted(set(b_rules) - set(n_rules)):
        r = b_rules[k]
        cmds.append(f"ip rule add pref {r.priority} from {q(r.src)} lookup {q(r.table)}")
    cmds.extend(f"ip route add {b_routes[k].argv()}" for k in sorted(set(b_routes) - set(n_routes)))
    return cmds, warnings


def restore_script(cmds: list[str]) -> str:
    body = [f"{c} || {{ echo {shlex.quote('restore failed: ' + c)} >&2; rc=1; }}" for c in cmds]
    head = "#!/bin/sh\n# aidc: put the interfaces back to the backup snapshot\nrc=0\n"
    return head + "\n".join(body) + "\nexit $rc\n"


def frr_test_changes(output: str) -> list[str]:
    """'- line' / '+ line' entries from `frr-reload.py --test` output."""
    out: list[str] = []
    mode = ""
    lines = output.replace("\r", "").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Lines To Delete"):
            mode = "-"
            continue
        if line.startswith("Lines To Add"):
            mode = "+"
            continue
        if not mode or not line.strip() or set(line.strip()) == {"="}:
            continue
        if re.match(r"^\d{4}-\d\d-\d\d ", line) or (i + 1 < len(lines) and set(lines[i + 1].strip()) == {"="}):
            continue
        out.append(f"{mode} {line}")
    return out


# ----------------------------------------------------------------------------------- driver


class NetmikoDriver:
    """One SSH session to one device (netmiko ``linux``); use as a context manager."""

    def __init__(
        self,
        access: DeviceAccess,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.access = access
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._log = log
        self.conn: Any = None

    # -- session

    def __enter__(self) -> NetmikoDriver:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        from netmiko import ConnectHandler

        a = self.access
        params: dict[str, Any] = {
            "device_type": "linux",
            "host": a.address,
            "port": a.port,
            "username": a.user,
            "conn_timeout": self.connect_timeout,
            "auth_timeout": self.connect_timeout,
            "banner_timeout": self.connect_timeout,
            "allow_agent": False,
            "fast_cli": True,
            "session_log": None,
        }
        if a.key_file:
            params.update(use_keys=True, key_file=a.key_file)
        if a.password is not None:
            params["password"] = a.password.get_secret_value()
        if a.ssh_config:
            params["ssh_config_file"] = a.ssh_config
        if a.known_hosts:
            # host keys are verified against the target's known_hosts (never auto-added)
            params.update(system_host_keys=False, alt_host_keys=True, alt_key_file=a.known_hosts)
        try:
            self.conn = ConnectHandler(**params)
        except Exception as exc:
            raise ConnectError(f"{a.name}: cannot connect to {a.user}@{a.address}:{a.port}: {_short(exc)}") from exc
        if a.expect_env:
            self.check_identity()

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.disconnect()
            self.conn = None

    def check_identity(self) -> None:
        keys = sorted(self.access.expect_env)
        out = self.run("echo " + "'|'".join(f'"${k}"' for k in keys), check=True).output.strip()
        got = dict(zip(keys, out.splitlines()[-1].split("|") if out else [], strict=False))
        if got != {k: self.access.expect_env[k] for k in keys}:
            raise DriverError(f"{self.access.name}: SSH session is not the expected device ({got})")

    # -- commands and files

    def run(self, command: str, *, timeout: float | None = None, check: bool = False) -> CommandResult:
        if self.conn is None:
            raise DriverError(f"{self.access.name}: not connected")
        t0 = time.monotonic()
        # The shell echoes (and, when long, wraps) the command line, so the output is framed by
        # markers that the echoed command cannot contain literally ("__AIDC_""X" is split).
        try:
            raw = self.conn.send_command(
                f'echo "{_BEGIN[:7]}""{_BEGIN[7:]}"; {command}; echo "{_RC[:7]}""{_RC[7:]}$?"',
                read_timeout=timeout or self.timeout,
                strip_prompt=True,
                strip_command=False,
                cmd_verify=False,
            )
        except Exception as exc:
            raise DriverError(f"{self.access.name}: {command.split()[0]}: {_short(exc)}") from exc
        text = str(raw).replace("\r", "")
        idx = text.rfind(_RC)
        rc = -1
        if idx >= 0:
            m = re.match(r"\d+", text[idx + len(_RC) :])
            rc = int(m.group(0)) if m else -1
            text = text[:idx]
        start = text.find(_BEGIN + "\n")
        if start >= 0:
            text = text[start + len(_BEGIN) + 1 :]
        res = CommandResult(command=command, rc=rc, output=text.strip("\n"), seconds=round(time.monotonic() - t0, 3))
        if self._log:
            self._log(f"{self.access.name}: {command} -> {rc} ({res.seconds}s)")
        if check and rc != 0:
            raise DriverError(f"{self.access.name}: `{command}` failed ({rc}): {_tail(res.output)}")
        return res

    def _sftp(self) -> Any:
        return self.conn.remote_conn_pre.open_sftp()

    def put_file(self, path: str, text: str, mode: int = 0o644) -> None:
        tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            sftp = self._sftp()
            try:
                sftp.putfo(io.BytesIO(text.encode()), tmp)
                sftp.chmod(tmp, mode)
                sftp.posix_rename(tmp, path)
            finally:
                sftp.close()
        except Exception as exc:
            raise DriverError(f"{self.access.name}: cannot write {path}: {_short(exc)}") from exc

    def read_file(self, path: str) -> str | None:
        try:
            sftp = self._sftp()
            try:
                buf = io.BytesIO()
                sftp.getfo(path, buf)
                return buf.getvalue().decode(errors="replace")
            finally:
                sftp.close()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if getattr(exc, "errno", None) == 2:
                return None
            raise DriverError(f"{self.access.name}: cannot read {path}: {_short(exc)}") from exc

    # -- FRR argv (lab: pathspace; real box: plain)

    def _ns(self) -> str:
        p = self.access.frr_pathspace
        return f" -N {shlex.quote(p)}" if p else ""

    def vtysh(self, *commands: str) -> str:
        return "vtysh" + self._ns() + "".join(f" -c {shlex.quote(c)}" for c in commands)

    def frr_reload(self, conf: str, mode: str = "--reload") -> str:
        return (
            f"{FRR_RELOAD} {mode} --stdout{self._ns()} --confdir {shlex.quote(self.access.frr_confdir)} "
            f"{shlex.quote(conf)}"
        )

    def path(self, name: str) -> str:
        return f"{self.access.workdir}/{name}"

    # -- state

    def read_running(self, sysctls: Iterable[str] = ()) -> RunningState:
        """FRR running config (switches) and the interface snapshot; ``sysctls``: extra keys to hold."""
        keys = list(dict.fromkeys([*SYSCTLS, *sysctls]))
        parts = []
        if self.access.kind == "switch":
            parts.append(f"{_mark('frr')}; {self.vtysh('show running-config')}")
        parts += [
            f"{_mark('link')}; ip -j -d link show",
            f"echo; {_mark('addr')}; ip -j addr show",
            f"echo; {_mark('route')}; ip -4 -j route show table all",
            f"echo; {_mark('rule')}; ip -4 -j rule show",
            f"echo; {_mark('sysctl')}; sysctl -e {' '.join(shlex.quote(k) for k in keys)}",
        ]
        res = self.run("; ".join(parts), check=True)
        sections: dict[str, str] = {}
        cur = None
        buf: list[str] = []
        for line in res.output.splitlines():
            if line.startswith(_SECTION):
                if cur is not None:
                    sections[cur] = "\n".join(buf)
                cur, buf = line[len(_SECTION) :].strip(), []
            else:
                buf.append(line)
        if cur is not None:
            sections[cur] = "\n".join(buf)
        try:
            net = parse_net(
                sections.get("link", ""),
                sections.get("addr", ""),
                sections.get("sysctl", ""),
                sections.get("route", ""),
                sections.get("rule", ""),
            )
        except (ValueError, KeyError) as exc:
            raise DriverError(f"{self.access.name}: cannot parse interface state: {_short(exc)}") from exc
        frr = None
        if self.access.kind == "switch":
            raw = sections.get("frr", "")
            if "Current configuration" not in raw and "hostname" not in raw:
                raise DriverError(f"{self.access.name}: vtysh gave no running config: {_tail(raw)}")
            frr = normalize_frr(raw)
        return RunningState(frr=frr, net=net)

    def backup(self, running: RunningState | None = None) -> Backup:
        """Snapshot before any change (the FRR part is also kept on the device)."""
        running = running or self.read_running()
        prev = None
        if self.access.kind == "switch":
            if running.frr is not None:
                self.put_file(self.path(BACKUP), running.frr)
            prev = self.read_file(self.path(NETWORK_SCRIPT))
        return Backup(device=self.access.name, taken=time.time(), running=running, previous_network_script=prev)

    # -- apply steps (switches)

    def upload(self, frr_conf: str, network_sh: str) -> None:
        self.run(f"mkdir -p {shlex.quote(self.access.workdir)}", check=True)
        self.put_file(self.path(INTENDED), frr_conf, 0o644)
        self.put_file(self.path(NETWORK_SCRIPT), network_sh, 0o755)

    def validate_frr(self) -> list[str]:
        """``frr-reload.py --test``: raises if the intended config does not parse; the pending lines."""
        res = self.run(self.frr_reload(self.path(INTENDED), "--test"), timeout=self.timeout)
        if res.rc != 0:
            raise DriverError(f"{self.access.name}: intended FRR config rejected: {_tail(_errors(res.output))}")
        return frr_test_changes(res.output)

    def run_network(self, script: str | None = None) -> CommandResult:
        # bash, not sh: Debian's dash cannot `read` a /proc/sys file (1-byte reads return a
        # truncated value without newline, so `read` fails under `set -e`)
        p = shlex.quote(script or self.path(NETWORK_SCRIPT))
        res = self.run(f"if command -v bash >/dev/null; then bash {p}; else sh {p}; fi 2>&1")
        if res.rc != 0:
            raise DriverError(f"{self.access.name}: network script failed ({res.rc}): {_tail(res.output)}")
        return res

    def reload_frr(self, conf: str | None = None) -> CommandResult:
        """frr-reload the config; a daemon that died meanwhile (an FRR crash) is started again and
        the config reloaded once more, as watchfrr and the frr service would on a switch."""
        conf = conf or self.path(INTENDED)
        res = self.run(self.frr_reload(conf), timeout=max(self.timeout, 120.0))
        dead = self.dead_daemons()
        if dead:
            self.revive(dead)
            res = self.run(self.frr_reload(conf), timeout=max(self.timeout, 120.0))
            still = self.dead_daemons()
            if still:
                raise DriverError(f"{self.access.name}: FRR daemon(s) {', '.join(still)} died and did not restart")
        if res.rc != 0:
            raise DriverError(f"{self.access.name}: frr-reload failed ({res.rc}): {_tail(_errors(res.output))}")
        return res

    def dead_daemons(self) -> list[str]:
        """FRR daemons of this device whose pid file names no live process (a zombie is dead)."""
        rundir = f"/var/run/frr/{self.access.frr_pathspace}" if self.access.frr_pathspace else "/var/run/frr"
        names = " ".join(shlex.quote(d) for d in self.access.frr_daemons)
        out = self.run(
            f"for d in {names}; do p=$(cat {shlex.quote(rundir)}/$d.pid 2>/dev/null); "
            f'[ -n "$p" ] && kill -0 "$p" 2>/dev/null && ! grep -q "^[0-9]* ([^)]*) [ZX]" /proc/$p/stat 2>/dev/null '
            f'|| echo "dead:$d"; done'
        ).output
        return [line[5:] for line in out.splitlines() if line.startswith("dead:")]

    def revive(self, daemons: list[str]) -> None:
        if self._log:
            self._log(f"{self.access.name}: FRR daemon(s) {', '.join(daemons)} died; starting them again")
        if self.access.frr_start is None:  # a real switch: the frr service restarts (watchfrr, systemd)
            self.run("systemctl restart frr", check=True, timeout=120.0)
            return
        for d in daemons:
            self.run(self.access.frr_start[d], check=True)
        deadline = time.monotonic() + 20
        while self.dead_daemons() and time.monotonic() < deadline:
            time.sleep(0.5)

    # -- restore

    def restore(self, backup: Backup) -> RestoreReport:
        """Interfaces back to the snapshot, FRR back to the saved running config; verified."""
        rep = RestoreReport(ok=True)
        keys = list(backup.running.net.sysctl)
        try:
            now = self.read_running(keys)
        except DriverError as exc:
            return RestoreReport(ok=False, errors=[str(exc)])
        t0 = time.monotonic()
        cmds, warnings = restore_commands(backup.running.net, now.net)
        rep.errors.extend(warnings)
        if cmds:
            try:
                self.put_file(self.path(RESTORE_SCRIPT), restore_script(cmds), 0o755)
                res = self.run(f"sh {shlex.quote(self.path(RESTORE_SCRIPT))} 2>&1")
                rep.steps.append(
                    StepReport(step="network", ok=res.rc == 0, seconds=_since(t0), detail=f"{len(cmds)} commands")
                )
                if res.rc != 0:
                    rep.errors.append(f"network restore: {_tail(res.output)}")
            except DriverError as exc:
                rep.errors.append(str(exc))
                rep.steps.append(StepReport(step="network", ok=False, seconds=_since(t0), detail=str(exc)))
        else:
            rep.steps.append(StepReport(step="network", ok=True, seconds=_since(t0), detail="already as before"))
        if self.access.kind == "switch" and backup.running.frr is not None and now.frr != backup.running.frr:
            t0 = time.monotonic()
            try:
                self.put_file(self.path(BACKUP), backup.running.frr)
                self.reload_frr(self.path(BACKUP))
                rep.steps.append(StepReport(step="frr", ok=True, seconds=_since(t0), detail="backup reloaded"))
            except DriverError as exc:
                rep.errors.append(str(exc))
                rep.steps.append(StepReport(step="frr", ok=False, seconds=_since(t0), detail=str(exc)))
        # verify
        try:
            after = self.read_running(keys)
        except DriverError as exc:
            rep.ok = False
            rep.errors.append(f"verify: {exc}")
            return rep
        if after.net.canonical() != backup.running.net.canonical():
            rep.ok = False
            rep.errors.append("interfaces differ from the backup after restore")
        if self.access.kind == "switch" and after.frr != backup.running.frr:
            rep.ok = False
            rep.errors.append("FRR running config differs from the backup after restore")
        if backup.previous_network_script is not None:
            try:
                self.put_file(self.path(NETWORK_SCRIPT), backup.previous_network_script, 0o755)
            except DriverError as exc:
                rep.errors.append(str(exc))
        return rep


# ---------------------------------------------------------------------------------- helpers


def _mark(name: str) -> str:
    """A shell command printing the section marker (split so the echoed command never matches)."""
    return f'echo "{_SECTION[:7]}""{_SECTION[7:]}{name}"'


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.replace("\r", "").splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[:1000]


def _errors(text: str) -> str:
    keep = [ln for ln in text.splitlines() if re.search(r"ERROR|error|Failed|failed|Unknown command|%", ln)]
    return "\n".join(keep) if keep else text


def _since(t0: float) -> float:
    return round(time.monotonic() - t0, 3)
