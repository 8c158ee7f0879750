"""``cumulus`` platform: NVIDIA Cumulus Linux 5.x configured through NVUE.

Files per switch:

- ``startup.yaml``: the NVUE configuration document in the form ``nv config show -o yaml`` prints
  (a list with one ``- set:`` mapping, keys sorted, ``on``/``off`` unquoted). Load it with
  ``nv config replace startup.yaml && nv config apply``, or use it as ``/etc/nvue.d/startup.yaml``.
- ``nv-set.sh``: the same configuration as ordered ``nv set`` commands ending in
  ``nv config apply -y``.

How the two files are produced, so that they can never disagree: ``templates/cumulus/nvue.j2``
writes the configuration as NVUE paths, one ``nv set`` path per line (syntax only; every value comes
from :func:`toolkit.render.platforms._common.device_view` or the view data below). This module reads
those lines once (:func:`_parse_all`, each line with its ``nv set`` arguments), prints the NVUE
tree they describe as ``startup.yaml`` (:func:`nvue_yaml`, from the paths in sorted order; the tree
itself, :func:`_build_tree`, is built only to name a contradiction) and the lines, in template
order, as the commands of ``nv-set.sh``
(``templates/cumulus/nv-set.sh.j2``). A line that contradicts another one fails the render.

Targets the NVUE schema of Cumulus Linux 5.11 - 5.14 (``service lldp state``; 5.15 moved LLDP under
``system``).

Platform conventions (not design decisions): the management VRF is ``mgmt``; tenant and OOB access
ports join the VLAN-aware bridge ``br_default``; SVIs are named ``vlan<VLAN>``; a broken-out cage
is configured on its parent port ``swp<cage>`` (``link breakout <lanes>x``); the flat OOB L2 domain
uses the designed OOB VLAN (``Site.oob_vlan``).

Derivations (mechanical, from the Fabric):
- BGP unnumbered sessions are keyed by the local port, numbered ones by ``peer_address``; the
  remote AS is always the designed ``peer_asn`` (stricter than ``remote-as external``).
- ECMP width, advertised prefixes (route-map over a prefix-list) and EVPN neighbours come from
  ``_common.device_view``.
- RoCE: NVUE ``qos roce`` is switch-wide, so the lossless profile goes into the ``default-global``
  QoS profiles: DSCP -> switch priority = ``fabric.qos.dscp_to_tc``, switch priority -> traffic
  class identity for the classes in use, PFC on the PFC priority, ECN thresholds (bytes) on the
  lossless class, strict priority for the CNP class; the PFC watchdog is enabled per lossless
  port. A switch mixing lossless and lossy front-panel ports cannot be expressed that way and is
  refused (``ValueError``).
- Anycast gateway: one SVI per tenant with ``ip vrr`` address = tenant gateway / subnet length and
  ``ip vrr mac-address`` = ``tenant.gateway_mac``; the Fabric has no per-leaf SVI address, so none
  is configured. L3VNI per tenant VRF (``vrf <vrf> evpn vni``) with ``route-export to-evpn``.
- Border (``BgpNeighbor.external``): the routed link port joins the tenant's VRF (``ip vrf``) when
  the session is a tenant's; the numbered session sits in ``vrf default`` or the tenant's VRF with
  ``policy inbound/outbound route-map``; per VRF a prefix-list and route-map each way
  (``_common.ExternalPolicy``: accept exact, export with ``max-prefix-len 32``). The default route
  reaches the tenant's other leaves as an EVPN type-5 route (``route-export to-evpn``).
"""

from __future__ import annotations

import functools
import json
import operator
import re
import shlex
from dataclasses import dataclass
from typing import Any

import jinja2
import yaml

from toolkit import platforms
from toolkit.design.model import Device, Fabric
from toolkit.render.platforms._common import DeviceView, device_context, device_view

BRIDGE = "br_default"
"""The VLAN-aware bridge NVUE creates by default."""

TRUST = {"dscp": "l3", "pcp": "l2"}
"""``fabric.qos.trust`` -> NVUE ``qos mapping <profile> trust`` keyword."""

TEMPLATE = "cumulus/nvue.j2"
TEMPLATE_SH = "cumulus/nv-set.sh.j2"

NvueValue = bool | int | str
NvueTree = dict[str, Any]  # str -> NvueTree | NvueValue


@dataclass(frozen=True, slots=True)
class CageBreakout:
    parent: str  # NVUE name of the cage's parent port (swp<cage>)
    mode: str  # NVUE breakout keyword: "<lanes>x"
    cage: int
    ports: tuple[str, ...]


SYSTEM_SYSLOG_RELEASE = (5, 13)
"""From Cumulus Linux 5.13 the remote syslog servers are ``system syslog server <ip>`` (with a
``vrf`` attribute); before, ``service syslog <vrf> server <ip>``. On the newer form ``port`` (514)
and ``protocol`` (udp) are NVUE's defaults and not written (the running config does not print them)."""
DEFAULT_RELEASE = "5.14"

_TZ_CANONICAL = {
    **dict.fromkeys(("UTC", "UCT", "Etc/UCT", "Universal", "Zulu"), "Etc/UTC"),
    **dict.fromkeys(("GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich"), "Etc/GMT"),
}


def nvue_timezone(name: str) -> str:
    """NVUE's spelling of an IANA zone: its list has the ``Etc/`` names, not the bare links
    (``UTC`` is refused, ``Etc/UTC`` accepted)."""
    return _TZ_CANONICAL.get(name, name)


def _release(version: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in (version or DEFAULT_RELEASE).split("."))


def _breakouts(v: DeviceView) -> list[CageBreakout]:
    dev = v.dev
    return [
        CageBreakout(
            parent=platforms.get(dev.platform).port_name(b.cage, 0, 1, dev.native_speed(b.cage)),
            mode=f"{b.lanes}x",
            cage=b.cage,
            ports=b.ports,
        )
        for b in v.breakouts
        if b.lanes > 1
    ]


# --- the template's line format -> NVUE tree ---------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_INT = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")


_SAFE_BARE = re.compile(r"[A-Za-z0-9_.:/@+-]+\Z")


def _nvs(value: object) -> str:
    """Template filter: a Fabric string as one token that reads back as this string (bare when it
    cannot be mistaken for a number, a boolean or the ``=`` marker, else a JSON string)."""
    return _nvs_text(str(value))


@functools.lru_cache(maxsize=65536)
def _nvs_text(text: str) -> str:
    """:func:`_nvs` of a string. Cached: port, VRF and peer names recur on every switch."""
    if _SAFE_BARE.match(text) and text not in ("on", "off") and not _INT.match(text):
        return text
    return json.dumps(text)


def _bare(word: str) -> NvueValue:
    return True if word == "on" else False if word == "off" else int(word) if _INT.match(word) else word


def _unquote(token: str) -> str:
    return token[1:-1] if "\\" not in token else json.loads(token)


def _tokens(line: str, where: str) -> tuple[list[str], NvueValue | None]:
    """``PATH...`` -> (path, None); ``PATH... = VALUE`` -> (path, typed value)."""
    if '"' not in line:  # bare words only
        words = line.split()
        if "=" not in words:
            return words, None
        i = words.index("=")
        if i == 0 or i != len(words) - 2:
            raise ValueError(f"{where}: expected 'PATH... = VALUE' in {line!r}")
        return words[:i], _bare(words[-1])
    raw = _TOKEN.findall(line)
    if any(t[0] == '"' and (len(t) < 2 or t[-1] != '"') for t in raw):
        raise ValueError(f"{where}: bad quoted token in {line!r}")
    if "=" not in raw:  # a quoted "=" is a plain string token
        return [_unquote(t) if t[0] == '"' else t for t in raw], None
    i = raw.index("=")
    if i == 0 or i != len(raw) - 2:
        raise ValueError(f"{where}: expected 'PATH... = VALUE' in {line!r}")
    last = raw[-1]
    return [_unquote(t) if t[0] == '"' else t for t in raw[:i]], _unquote(last) if last[0] == '"' else _bare(last)


_Parsed = tuple[tuple[str, ...], NvueValue | None, str, tuple[str, ...], tuple[str, ...], str, str]
"""(path, value, ``nv set`` arguments, the path without its last word, that head's ``key:`` header
lines in startup.yaml, the path's own line there, its sort key): computed once per distinct line
(:func:`_parse_line` is cached). The sort key is the path's words joined by NUL (a character no
word holds): string order of the keys is tuple order of the paths, and sorts several times faster."""


_PAD = tuple(" " * (4 + 2 * depth) for depth in range(64))
"""startup.yaml indentation by depth (``- set:`` is the root)."""


@functools.lru_cache(maxsize=65536)
def _head(head: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
    """What every path below ``head`` shares: (head, its ``key:`` header lines, its ``nv set``
    arguments and its sort key, each followed by a separator). Cached: the lines of a cluster are
    mostly unique (an address, a description), their heads are not (``interface swp1 ip address``)."""
    headers = tuple(f"{_PAD[depth]}{_yaml_scalar(word)}:" for depth, word in enumerate(head))
    return head, headers, "".join(f"{_sh(word)} " for word in head), "".join(f"{word}\x00" for word in head)


@functools.lru_cache(maxsize=262144)
def _parse_line(line: str) -> _Parsed | str:
    """One template line -> :data:`_Parsed`; an error message (str) when the line is malformed.
    Cached: switches of one model share most lines (ports, QoS, services)."""
    try:
        path, value = _tokens(line, "{where}")
    except ValueError as exc:
        return str(exc)
    if not path:
        return "{where}: empty path"
    if ("\x00" in line or "\\" in line) and any("\x00" in word for word in path):  # also from a JSON escape
        return "{where}: NUL character in a path"
    head, headers, arg, sort_key = _head(tuple(path[:-1]))
    last = path[-1]
    yaml_last = _yaml_scalar(last)
    arg += _sh(last)
    if value is None:
        leaf = f"{_PAD[len(head)]}{yaml_last}: {{}}"
    else:
        leaf = f"{_PAD[len(head)]}{yaml_last}: {_yaml_value(value)}"
        arg += " " + _sh("on" if value is True else "off" if value is False else str(value))
    return (*head, last), value, arg, head, headers, leaf, sort_key + last


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, t) for n, t in enumerate((x.strip() for x in text.splitlines()), 1) if t and t[0] != "#"]


def _parse_all(text: str) -> list[_Parsed]:
    plain = [t for t in map(str.strip, text.splitlines()) if t and t[0] != "#"]
    parsed = list(map(_parse_line, plain))
    if len(set(plain)) == len(plain) and not any(type(p) is str for p in parsed):
        return parsed  # type: ignore[return-value]  # no error message among them
    numbered = _lines(text)  # a line set twice or malformed: name it by its line number
    seen: set[str] = set()
    for n, t in numbered:
        if t in seen:
            raise ValueError(f"line {n}: {t} set twice")
        seen.add(t)
        err = _parse_line(t)
        if isinstance(err, str):
            raise ValueError(err.replace("{where}", f"line {n}", 1))
    raise AssertionError("unreachable: an error was seen above")


def _build_tree(parsed: list[_Parsed]) -> NvueTree:
    """The NVUE tree of the parsed lines. A value set twice, or a path set both as a value and as
    a node, fails."""
    tree: NvueTree = {}
    # the parent node of every path seen so far: lines come grouped, so most parents repeat
    parents: dict[tuple[str, ...], NvueTree] = {(): tree}
    for path, value, *_ in parsed:
        head = path[:-1]
        node = parents.get(head)
        if node is None:
            node = tree
            for word in head:
                child = node.setdefault(word, {})
                if not isinstance(child, dict):
                    raise ValueError(f"{' '.join(path)}: {word} already holds the value {child!r}")
                node = child
            parents[head] = node
        last = path[-1]
        old = node.get(last)
        if value is None:
            if old is None:
                node[last] = {}
            elif not isinstance(old, dict):
                raise ValueError(f"{' '.join(path)} already holds the value {old!r}")
        elif old is not None:
            raise ValueError(f"{' '.join(path)} set twice")
        else:
            node[last] = value
    return tree


# --- NVUE tree -> startup.yaml ------------------------------------------------------------------

_RESOLVER = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=65536)
def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when YAML reads it back as this very string, else quoted."""
    if (
        value
        and value == value.strip()
        and value[0] not in "-?:,[]{}#&*!|>'\"%@`"
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and value.isprintable()
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def _yaml_value(value: NvueValue) -> str:
    if value is True or value is False:
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    return _yaml_scalar(value)


def nvue_yaml(parsed: list[_Parsed]) -> str:
    """The NVUE tree of the parsed lines as NVUE prints it (``nv config show -o yaml``): one
    ``- set:`` item, keys sorted at every level. A value set twice, or a path set both as a value
    and as a node, fails (:func:`_build_tree` names it).

    Printed from the paths in sorted order, without building the tree: tuple order is the tree's
    depth-first order with sorted keys, and a path is followed at once by every path below it; a
    line prints the headers its predecessor has not opened, then itself. Most paths are siblings
    of their predecessor (same head, another last word): they open no header."""
    entries = sorted(parsed, key=_sort_key)
    out = ["- set:"]
    prev: tuple[str, ...] = ()
    prev_head: tuple[str, ...] | None = None
    prev_value: NvueValue | None = None
    pending = ""  # the previous path's ``key: {}`` line, unless this path lies below it
    for path, value, _arg, head, headers, leaf, _key in entries:
        if head == prev_head and path[-1] != prev[-1]:  # a sibling
            if pending:
                out.append(pending)
        else:
            same = 0
            for a, b in zip(prev, path, strict=False):
                if a != b:
                    break
                same += 1
            if same == len(prev) and prev:  # the previous path is this one or above it
                if prev_value is not None or (len(path) == same and value is not None):
                    _build_tree(parsed)  # raises, naming the conflict
                    raise AssertionError(f"{' '.join(path)}: conflict not named")
            elif pending:
                out.append(pending)
            opened = min(same, len(prev) - 1) if prev else 0
            if opened < len(headers):
                out.extend(headers[opened:])
        if value is None:
            pending = leaf
        else:
            pending = ""
            out.append(leaf)
        prev, prev_head, prev_value = path, head, value
    if pending:
        out.append(pending)
    return "\n".join(out) + "\n"


_sort_key = operator.itemgetter(6)


# --- lines -> nv set commands -------------------------------------------------------------------

_sh = functools.lru_cache(maxsize=65536)(shlex.quote)
"""One word of an ``nv set`` command (:func:`_parse_line` writes each line's arguments)."""


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    env.filters.setdefault("nvs", _nvs)
    v = device_view(dev, fabric)
    ctx = {
        **device_context(v),
        "trust": TRUST[v.fv.qos.trust],
        "breakouts": _breakouts(v),
        "bridge": BRIDGE,
        "default_vlan": v.fv.site.oob_vlan,
        "timezone": nvue_timezone(v.fv.site.timezone),
        "system_syslog": _release(dev.os_version) >= SYSTEM_SYSLOG_RELEASE,
    }
    parsed = _parse_all(env.get_template(TEMPLATE).render(ctx))
    script = env.get_template(TEMPLATE_SH).render(v=v, commands=[p[2] for p in parsed])
    return {"startup.yaml": nvue_yaml(parsed), "nv-set.sh": script}
