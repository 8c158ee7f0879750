"""Platform registry: what aidc knows about each network OS, one data file per platform.

A platform is described by ``toolkit/platforms/<name>.yml`` (the file name is its name): data
(interface naming incl. breakout sub-ports, management port, MTU / VLAN / name limits, BGP
unnumbered support, ECMP width, OS versions, capabilities), loaded into :class:`Platform` (the keys
are its fields and those of :class:`Limits` / :class:`Hooks`; a key that is no field, or a value of
the wrong type, is refused naming the file). The code that belongs to the platform is named by
``"module:attribute"`` import path: the port namer (``port_namer``, usually a function in
``toolkit/platforms/<name>.py``), the SKU table (``skus``) and the hooks (renderer, apply driver,
health fact readers, imported only when a stage needs them), so that ``validate`` / ``design`` /
``render`` never import netmiko or ansible. Adding a platform means adding one data file here (plus
a module for a port namer of its own) and its templates under ``templates/<name>/`` (see the README).

Per switch-model data (SONiC platform + HwSKU, ports with lanes / speeds / breakout modes, NVUE
release) is attached as :class:`Sku` entries in ``Platform.skus`` (keyed by the vendor model name,
``catalog.switches.<model>.vendor_model`` or the catalog name).

Public API: :class:`Platform`, :class:`Limits`, :class:`Hooks`, :class:`Sku`, :class:`SkuPort`,
:func:`get`, :func:`names`, :func:`switch_platforms`, :func:`all_platforms`,
:class:`UnknownPlatform`, :func:`serdes_lanes`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import yaml

__all__ = [
    "Hooks",
    "Limits",
    "Platform",
    "PortNamer",
    "Sku",
    "SkuPort",
    "UnknownPlatform",
    "all_platforms",
    "get",
    "load_hook",
    "names",
    "serdes_lanes",
    "switch_platforms",
]

PortNamer = Callable[[int, int, int, int], str]
"""``(cage 1-based, lane 0-based, lanes in the cage, native cage speed Gbit/s) -> native name``."""

# SerDes lanes per cage by native cage speed (OSFP/QSFP-DD 8 lanes, QSFP28/56 4, SFP 1)
_SERDES = {1: 1, 10: 1, 25: 1, 40: 4, 50: 1, 100: 4, 200: 4, 400: 8, 800: 8, 1600: 8}


def serdes_lanes(cage_speed: int) -> int:
    """Electrical lanes of a cage of this native speed (a hardware fact, the same on every NOS)."""
    return _SERDES.get(cage_speed, 4)


def linux_port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    """``swp<cage>`` / ``swp<cage>s<lane>``: Linux switch port names (frr, Cumulus, the lab)."""
    return f"swp{cage}s{lane}" if lanes > 1 else f"swp{cage}"


@dataclass(frozen=True, slots=True)
class Limits:
    """What the platform accepts. ``None`` means no limit aidc knows of."""

    mtu: tuple[int, int]
    """Interface MTU the platform accepts (its own meaning, see ``Platform.mtu_kind``)."""
    vlan: tuple[int, int]
    """VLAN ids a tenant VLAN may use."""
    vlan_reserved: tuple[tuple[int, int], ...] = ()
    """Ranges inside ``vlan`` the platform keeps for itself."""
    ifname: int | None = 15
    """Longest interface / bridge / VXLAN device name (Linux: IFNAMSIZ - 1 = 15)."""
    vrf_name: int | None = 15
    """Longest VRF name, platform prefix included (Linux VRF devices are interfaces: 15)."""
    hostname: int = 63
    """Longest hostname (one DNS label, RFC 1123)."""
    max_ecmp: int = 64
    """Widest ECMP group the configuration accepts (``maximum-paths``: the CLI's range)."""
    ecmp_default: int | None = None
    """ECMP group width assumed for a switch model whose catalogue entry gives no ``max_ecmp`` (the
    hardware's limit is per model): a conservative figure; ``None``: ``max_ecmp``."""
    rt_vni_bits: int | None = None
    """Route distinguishers / targets ``<x>:<VNI>`` written in the 2-byte-AS format need the VNI to
    fit this many bits (EOS: 16); ``None`` when the platform derives them itself."""
    anycast_macs: int | None = None
    """Distinct anycast gateway MACs one switch can hold (EOS: 1 ``ip virtual-router mac-address``)."""
    lag_id: int = 9999
    """Highest bond / port-channel number (EOS Port-Channel 2000, SONiC PortChannel 9999)."""


@dataclass(frozen=True, slots=True)
class Hooks:
    """Import paths ``"package.module:attribute"`` of the code that belongs to the platform.

    ``renderer``: ``render_device(dev, fabric, env) -> {file: text}``; ``driver``: the apply
    driver class; ``facts``: the health fact readers. ``None``: the platform has none (yet)."""

    renderer: str | None = None
    driver: str | None = None
    facts: str | None = None


@dataclass(frozen=True, slots=True)
class SkuPort:
    """One front-panel port of a switch SKU as the vendor's image names it."""

    name: str  # native name, e.g. Ethernet0
    lanes: tuple[int, ...]  # SerDes lane numbers
    speed: int  # Gbit/s
    alias: str = ""
    index: int | None = None
    breakout_modes: tuple[str, ...] = ()  # e.g. 2x400G[200G,100G]


@dataclass(frozen=True, slots=True)
class Sku:
    """Vendor data for one switch model on one platform (attached by the platform module).

    ``ports`` are the front-panel (breakout parent) ports in front-panel order: cage ``i`` of the
    catalogue model is ``ports[i - 1]``. ``default_modes`` holds, per port, the breakout mode the
    image installs (``ports[i].breakout_modes`` entry); ``buffer_pgs`` / ``buffer_queues`` are the
    priority-group / queue keys (``3-4``) the image writes on every port (empty: the image writes
    none); ``alias_style`` says how the image names breakout children (``etp``: etp1a, etp1b;
    ``slash``: Ethernet1/1, Ethernet1/5)."""

    model: str
    hwsku: str | None = None  # SONiC HwSKU (DEVICE_METADATA.hwsku)
    platform_id: str | None = None  # SONiC platform string, e.g. x86_64-nvidia_sn5600-r0
    os_version: str | None = None  # e.g. the NVUE release the schema is checked against
    ports: tuple[SkuPort, ...] = ()
    default_modes: tuple[str, ...] = ()
    buffer_pgs: tuple[str, ...] = ()
    buffer_queues: tuple[str, ...] = ()
    alias_style: str = "etp"

    def port(self, cage: int) -> SkuPort:
        """Front-panel port of 1-based ``cage`` (IndexError past the SKU's ports)."""
        if not 1 <= cage <= len(self.ports):
            raise IndexError(f"{self.model} ({self.hwsku}) has {len(self.ports)} front-panel ports, not {cage}")
        return self.ports[cage - 1]

    def port_name(self, cage: int, lane: int, lanes: int, cage_speed: int = 0) -> str:
        """Native name of child ``lane`` of ``cage`` split in ``lanes``: SONiC names breakout
        children after the parent, one number per SerDes lane (Ethernet0, Ethernet4 for 2x of 8)."""
        parent = self.port(cage)
        if lanes <= 1:
            return parent.name
        number = int(parent.name.removeprefix("Ethernet"))
        return f"Ethernet{number + lane * max(len(parent.lanes) // lanes, 1)}"


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    title: str
    kind: Literal["ethernet", "infiniband"]
    port_namer: PortNamer
    mgmt_port: str
    limits: Limits
    hooks: Hooks
    loopback: str = "lo"
    """Interface that holds the router ID / VTEP address, as the OS names it (SONiC and EOS:
    ``Loopback0``); renderers configure it and health looks the loopback address up there."""
    mtu_kind: Literal["interface", "ip"] = "interface"
    """``interface``: Linux-style interface MTU (``Port.mtu`` as designed); ``ip``: the platform's
    ``mtu`` is an IP MTU with its own maximum (EOS) — the design clamps to ``limits.mtu``."""
    unnumbered_bgp: bool = True
    """eBGP over IPv6 link-local (RFC 5549) on an interface without an IPv4 address."""
    vrf_prefix: str = ""
    """Text the platform requires in front of every VRF name (SONiC: ``Vrf``)."""
    mgmt_vrf: str | None = "mgmt"
    """Name of the management VRF (``None``: the platform has none)."""
    lag_prefix: str = "bond"
    """Name of bond / port-channel N is ``lag_prefix + N`` (SONiC ``PortChannel``, EOS ``Port-Channel``)."""
    switch_wide_roce: bool = False
    """Lossless RoCE can only be configured for the whole switch (NVUE ``qos roce``)."""
    os_versions: tuple[str, ...] = ()
    """Releases the rendered configuration targets."""
    capabilities: frozenset[str] = frozenset()
    """evpn, evpn-mh (EVPN multihoming segments), border (external eBGP sessions with import /
    export policy in the default VRF), border-vrf (the same in tenant VRFs), l3vni, l3vni-vlan
    (the L3VNI needs a VLAN of its own), anycast-gateway, pfc, ecn,
    breakout, mgmt-vrf, lldp, ..."""
    skus: Mapping[str, Sku] = field(default_factory=lambda: MappingProxyType({}))

    def port_name(self, cage: int, lane: int, lanes: int, cage_speed: int) -> str:
        """Native name of breakout ``lane`` (0-based) of ``cage`` (1-based) split into ``lanes``."""
        return self.port_namer(cage, lane, lanes, cage_speed)

    def vrf_name(self, name: str) -> str:
        """The platform's name of tenant VRF ``name`` (prefix added, not shortened)."""
        return self.vrf_prefix + name

    def sku(self, model: str) -> Sku | None:
        return self.skus.get(model)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def renderer(self) -> Callable[..., dict[str, str]]:
        if not self.hooks.renderer:
            raise UnknownPlatform(f"platform {self.name!r} has no renderer")
        return cast("Callable[..., dict[str, str]]", load_hook(self.hooks.renderer))


class UnknownPlatform(ValueError):
    """A platform name the registry does not hold; the message lists the known ones."""


@functools.cache
def load_hook(path: str) -> object:
    """Import ``"package.module:attribute"`` (only when a stage needs the hook)."""
    module, _, attr = path.partition(":")
    obj: object = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _value(hint: Any, value: Any, key: str) -> Any:
    """``value`` read from YAML as the field type ``hint`` (lists become tuples / frozensets)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (hint,) = (a for a in args if a is not type(None))
        return _value(hint, value, key)
    if origin is Literal:
        if value not in args:
            raise ValueError(f"{key}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if origin in (tuple, frozenset):
        if not isinstance(value, list):
            raise ValueError(f"{key}: {value!r} is not a list")
        items = args[:1] * len(value) if origin is frozenset or args[-1:] == (...,) else args
        if len(items) != len(value):
            raise ValueError(f"{key}: {value!r} is not a list of {len(items)}")
        return origin(_value(h, v, key) for h, v in zip(items, value, strict=True))
    if dataclasses.is_dataclass(hint):
        return _build(cast("type", hint), value, key)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ValueError(f"{key}: {value!r} is not of type {hint.__name__}")
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(cls: type, data: Any, where: str, fixed: Mapping[str, Any] = MappingProxyType({}),
           resolved: Mapping[str, Any] = MappingProxyType({})) -> Any:
    """``cls(**data)``, every value of ``data`` checked against its field's type; ``fixed`` fields
    are not the file's to give, ``resolved`` ones are given already converted."""
    at = f"{where}: " if where else ""
    if not isinstance(data, dict):
        raise ValueError(f"{at}{data!r} is not a mapping")
    hints = _hints(cls)
    known = sorted(set(hints).difference(fixed))
    unknown = sorted(set(data).difference(known))
    if unknown:
        raise ValueError(f"{at}unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
    kw = {key: _value(hints[key], value, f"{where}.{key}" if where else key) for key, value in data.items()}
    try:
        return cls(**fixed, **resolved, **kw)
    except TypeError as exc:  # a required key missing
        raise ValueError(f"{at}{exc}") from None


def load_platform(path: Path) -> Platform:
    """The :class:`Platform` the data file ``path`` describes (named after the file); ``port_namer``
    and ``skus`` are ``"module:attribute"`` import paths of the objects."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    try:
        code = {key: load_hook(_value(str, data.pop(key), key)) for key in ("port_namer", "skus")
                if isinstance(data, dict) and key in data}
        if "skus" in code:
            code["skus"] = MappingProxyType(cast("dict[str, Sku]", code["skus"]))
        return cast("Platform", _build(Platform, data, "", fixed={"name": path.stem}, resolved=code))
    except ValueError as exc:
        raise TypeError(f"toolkit/platforms/{path.name}: {exc}") from None


@functools.cache
def _registry() -> Mapping[str, Platform]:
    here = Path(__file__).parent
    files = sorted(n for n in os.listdir(here) if n.endswith(".yml") and not n.startswith("_"))
    return MappingProxyType({n.removesuffix(".yml"): load_platform(here / n) for n in files})


def names() -> tuple[str, ...]:
    """Every registered platform name, sorted."""
    return tuple(_registry())


def all_platforms() -> tuple[Platform, ...]:
    return tuple(_registry().values())


def switch_platforms() -> tuple[str, ...]:
    """Ethernet platforms aidc renders switch configurations for (``--platform`` choices)."""
    return tuple(p.name for p in _registry().values() if p.kind == "ethernet" and p.hooks.renderer)


def get(name: str) -> Platform:
    """The platform called ``name``; :class:`UnknownPlatform` (a ValueError) names the known ones."""
    try:
        return _registry()[name]
    except KeyError:
        raise UnknownPlatform(f"unknown platform {name!r}; known: {', '.join(names())}") from None


def rendered_for(model_platform: str, forced: str | None) -> str:
    """The platform a switch of a model on ``model_platform`` is rendered for under ``--platform
    forced``: every Ethernet switch takes the forced NOS, InfiniBand switches keep theirs."""
    return forced if forced and get(model_platform).kind == "ethernet" else model_platform
