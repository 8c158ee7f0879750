"""The cluster spec: what a user writes under ``inventory/<cluster>/*.yml``.

This module is the single source of truth for inputs: ``aidc schema`` emits its JSON Schema
and every field carries the description shown in editors and docs.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import os
import re
import zoneinfo
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from toolkit import platforms

SPEED_RE = re.compile(r"^([1-9][0-9]{0,3})G$")
BREAKOUT_RE = re.compile(r"^([1248])x([1-9][0-9]{0,3})G$")

#: the most servers one spec may hold: 262,144 GPUs at eight per server, well above the largest
#: cluster aidc is measured on; it keeps design time bounded whatever the file says.
MAX_SERVERS = 32768
#: servers in one server group (and so at most in one rack): no rack holds more.
MAX_GROUP = 128
#: racks one spec may hold once its counted SUs and racks are written out: four times cluster-100k's
#: 3,840, room for MAX_SERVERS at two per rack; it keeps loading any spec under a second.
MAX_RACKS = 16384
#: scalable units one spec may hold once counted SUs are written out (cluster-100k has 400).
MAX_SUS = 1024
#: the largest ``count`` of one rack entry and of one SU entry (the compact form).
MAX_RACK_COUNT = 4096
MAX_SU_COUNT = 1024


def why(reason: str) -> dict[str, Any]:
    """Schema extra that says why a bound exists; the loader adds it to the finding."""
    return {"x-why": reason}


def parse_speed(text: str) -> int:
    """``400G`` -> 400."""
    m = SPEED_RE.match(text)
    if not m:
        raise ValueError(f"speed must look like 400G (1G to 9999G), got {text!r}")
    return int(m.group(1))


@functools.lru_cache(maxsize=256)
def parse_breakout(text: str) -> tuple[int, int]:
    """``2x400G`` -> (2, 400). Cached: design and render ask it for every cage of every switch."""
    m = BREAKOUT_RE.match(text)
    if not m:
        raise ValueError(f"breakout must look like 2x400G (1, 2, 4 or 8 lanes), got {text!r}")
    return int(m.group(1)), int(m.group(2))


def _check_breakout(value: str | None) -> str | None:
    if value is not None:
        parse_breakout(value)
    return value


def _check_prefix(value: str) -> str:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        try:
            net = ipaddress.IPv4Network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 prefix ({exc}); write it like 10.0.0.0/16") from None
        raise ValueError(f"{value!r} has host bits set; the prefix is {net}") from None
    return value


def _check_address(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 address ({exc}); write it like 10.0.0.1") from None
    return value


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def _tzdata_zones() -> frozenset[str]:
    try:
        from importlib import resources

        return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())
    except (ImportError, FileNotFoundError):
        return frozenset()


@cache
def _is_zone(key: str) -> bool:
    """``key in zoneinfo.available_timezones()``, looking at this one key only (listing every zone
    opens some 1,800 files). The same test: a name of the tzdata package's list, or a file below a
    TZPATH folder, outside ``right/`` and ``posix/``, reached without a symlinked folder (that
    listing does not follow them), that starts with the TZif magic; never ``posixrules``."""
    if key == "posixrules":
        return False
    if key in _tzdata_zones():
        return True
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts) or parts[0] in ("right", "posix"):
        return False
    for root in zoneinfo.TZPATH:
        folder = root
        for part in parts[:-1]:
            folder = os.path.join(folder, part)
            if os.path.islink(folder) or not os.path.isdir(folder):
                break
        else:
            path = os.path.join(folder, parts[-1])
            try:
                if not os.path.isdir(path):
                    with open(path, "rb") as f:
                        if f.read(4) == b"TZif":
                            return True
            except (OSError, ValueError):
                pass
    return False


def _check_timezone(value: str) -> str:
    if _is_zone(value):
        return value
    zones = _timezones()
    if value in zones or (not zones and value == "UTC"):
        return value
    close = difflib.get_close_matches(value, sorted(zones), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "use an IANA name such as Europe/Berlin or UTC"
    raise ValueError(f"{value!r} is not a time zone of the tz database; {hint}")


Prefix = Annotated[str, AfterValidator(_check_prefix), Field(description="IPv4 prefix, e.g. 10.0.0.0/16")]
Address = Annotated[str, AfterValidator(_check_address), Field(description="IPv4 address")]
Speed = Annotated[str, Field(pattern=SPEED_RE.pattern, description="port speed, e.g. 400G")]
Breakout = Annotated[str, AfterValidator(_check_breakout), Field(description="breakout mode, e.g. 2x400G")]
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40, description="lower-case name")]
#: one line of free text (it is printed into configs and documents)
Text = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*$", max_length=200, description="one line of text")]
Domain = Annotated[
    str,
    Field(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
        max_length=253,
        description="DNS domain, lower case, e.g. dc1.example.net",
    ),
]
#: watts of one device
Watts = Annotated[int, Field(ge=0, le=200_000, json_schema_extra=why("no single device draws more than 200 kW"))]


class Strict(BaseModel):
    # strict: YAML already gives numbers, booleans and text their own types, so `pg_num: true`
    # or `count: "4"` is a mistake to report, not a value to convert
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True, defer_build=True)


# --------------------------------------------------------------------------- cluster & site


class ClusterInfo(Strict):
    name: Name = Field(description="cluster name; used in output paths and lab namespaces")
    description: Text = Field(default="", description="free text (one line)")


class Site(Strict):
    domain: Domain = Field(description="DNS domain of the cluster, e.g. dc1.example.net")
    timezone: Annotated[str, AfterValidator(_check_timezone)] = Field(
        default="UTC", description="IANA time zone for every device (tz database name)"
    )
    ntp: list[Address] = Field(min_length=1, max_length=16, description="NTP server addresses")
    dns: list[Address] = Field(min_length=1, max_length=16, description="DNS resolver addresses")
    syslog: list[Address] = Field(default_factory=list, max_length=16, description="syslog collector addresses")
    os_versions: dict[str, str] = Field(
        default_factory=dict,
        description="NOS release per platform for every switch of the site, e.g. {cumulus: '5.11'} "
        "(a switch model's own os_version wins); default: the platform's newest release",
    )


# --------------------------------------------------------------------------- catalogue


BusId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$",
        description="PCI address domain:bus:device.function in lower-case hex as `lspci -D` prints it, "
        "e.g. 0000:1b:00.0",
    ),
]


class PcieSlot(Strict):
    """Where a GPU or NIC sits in the server's PCIe tree (for the NCCL topology file)."""

    bus: BusId = Field(description="PCI address of the device (a multi-port NIC: its first port's function)")
    switch: BusId = Field(
        description="PCI address naming the PCIe switch above the device (its upstream port in `lspci -tv`); "
        "devices with the same value share the switch. Any unique address works when the real one is unknown"
    )


class Nic(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9]{0,7}$", description="NIC name on the host (<= 8 chars), e.g. cx0")
    role: Literal["compute", "storage", "business", "oob", "mgmt"] = Field(
        description=(
            "network plane: compute (RDMA rail), storage, business (front-end), oob (the BMC) or mgmt "
            "(a port of the host OS on the out-of-band network, for managing the OS apart from the BMC)"
        )
    )
    speed: Speed
    ports: int = Field(default=1, ge=1, le=4, description="physical ports on this NIC")
    gpu: int | None = Field(default=None, ge=0, le=15, description="compute NICs: index of the paired GPU")
    numa: int | None = Field(default=None, ge=0, le=63, description="NUMA node of the NIC's PCIe switch")
    pcie: PcieSlot | None = Field(
        default=None, description="compute NICs: PCI address and PCIe switch (NCCL topology file, see gpu_pcie)"
    )


class ServerModel(Strict):
    vendor: Text = Field(default="", description="manufacturer")
    gpus: int = Field(default=0, ge=0, le=16, description="GPUs per server (0 for CPU/storage servers)")
    gpu_model: Text | None = Field(default=None, description="GPU model, e.g. H100-SXM5")
    gpu_numa: list[Annotated[int, Field(ge=0, le=63)]] = Field(
        default_factory=list, max_length=16, description="NUMA node of each GPU, index = GPU number (optional)"
    )
    gpu_pcie: list[PcieSlot] = Field(
        default_factory=list,
        max_length=16,
        description="PCI address and PCIe switch of each GPU, index = GPU number (optional). With gpu_numa and "
        "every compute NIC's `pcie` it gives the NCCL topology file (scheduler/nccl/<model>.xml, NCCL_TOPO_FILE)",
    )
    gpu_sm: int | None = Field(
        default=None,
        ge=10,
        le=255,
        description="CUDA compute capability of the GPUs as major*10+minor (H100/H200: 90, B200: 100); "
        "default: NCCL reads it from the GPU",
    )
    pcie_gen: int = Field(
        default=5, ge=3, le=6, description="PCIe generation of the GPU and compute NIC links (x16), default 5"
    )
    nics: list[Nic] = Field(min_length=1, max_length=32, description="network interfaces")
    drives: int = Field(
        default=0,
        ge=0,
        le=256,
        description="data drives (NVMe) for storage services",
        json_schema_extra=why("the densest storage servers hold about a hundred drives; each becomes an OSD"),
    )
    drive_tb: float = Field(default=0, ge=0, description="capacity of one data drive in TB (10^12 bytes)")
    power_w: Watts = Field(default=0, description="maximum power draw in watts")
    rack_units: int = Field(default=1, ge=1, le=10, description="height in rack units")
    management: Literal["auto", "inband", "oob"] = Field(
        default="auto",
        description=(
            "how Ansible reaches the host OS: oob (its mgmt NIC on the OOB network), inband (its first "
            "business-plane address) or auto (oob when the model has a mgmt NIC, else inband); never the BMC"
        ),
    )


class SonicPortSpec(Strict):
    name: str = Field(pattern=r"^Ethernet\d+$", description="SONiC port name of the front-panel port, e.g. Ethernet0")
    lanes: list[int] = Field(min_length=1, description="SerDes lanes of the port (platform.json lanes)")
    speed: Speed = Field(description="native speed of the port")
    alias: str = Field(default="", description="the image's alias (port_config.ini), e.g. etp1")
    breakout_modes: list[str] = Field(
        default_factory=list, description="platform.json breakout mode strings, e.g. 2x400G[200G,100G]"
    )


class SonicSkuSpec(Strict):
    hwsku: str = Field(min_length=1, description="SONiC HwSKU (DEVICE_METADATA.hwsku), e.g. Mellanox-SN5600-O128")
    platform: str = Field(min_length=1, description="SONiC platform string, e.g. x86_64-nvidia_sn5600-r0")
    ports: list[SonicPortSpec] = Field(
        default_factory=list,
        description="front-panel ports in cage order; default: the regular layout (Ethernet<first lane>, lanes "
        "numbered from 0, breakout modes = the model's breakouts)",
    )


class UplinkCages(Strict):
    """A second group of cages of another type after the ``ports`` cages (mixed port groups)."""

    ports: int = Field(ge=1, le=64, description="cages in the group (SN2201: its 4 QSFP28 after the 48 RJ45 ports)")
    speed: Speed = Field(description="native speed of these cages, e.g. 100G")


class SwitchModel(Strict):
    vendor: Text = Field(default="", description="manufacturer")
    platform: str = Field(
        description="network OS the configs are rendered for (a platform of toolkit/platforms/)",
        json_schema_extra={"enum": list(platforms.names())},
    )
    ports: int = Field(ge=1, le=1024, description="front-panel cages (a modular chassis: all its line-card ports)")
    speed: Speed = Field(description="native cage speed, e.g. 800G")
    breakouts: list[Breakout] = Field(
        default_factory=list, max_length=8, description="supported breakout modes, e.g. [1x800G, 2x400G, 4x200G]"
    )
    uplink_cages: UplinkCages | None = Field(
        default=None,
        description="mixed port groups: cages of another speed after the `ports` ones, where the switch's uplinks "
        "go (SN2201: ports 48, speed 1G, uplink_cages {ports: 4, speed: 100G}); SKU003 checks them against the "
        "switch's SKU data",
    )
    os_version: str | None = Field(
        default=None,
        description="NOS release the configs target when rendered for this model's own platform, one of the "
        "platform's releases (e.g. cumulus 5.11 ... 5.14); default: site.os_versions, then the platform's newest",
    )
    sonic: SonicSkuSpec | None = Field(
        default=None, description="SONiC SKU of a model aidc has no SKU data for (toolkit/platforms/_sonic_skus.py)"
    )
    max_ecmp: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="widest ECMP group (next hops of one route) the model's forwarding hardware installs, from its "
        "datasheet or `show bgp instance` (EOS: Maximum ECMP); BGP maximum-paths is capped at it. Default: the "
        "platform's conservative figure (EOS 32)",
    )
    mgmt_port: bool = Field(default=True, description="has an out-of-band management port")
    power_w: Watts = Field(default=0, description="typical power in watts")
    rack_units: int = Field(default=1, ge=1, le=48, description="height in rack units (chassis up to 48)")

    @field_validator("platform")
    @classmethod
    def _platform(cls, v: str) -> str:
        platforms.get(v)  # UnknownPlatform (ValueError) lists the known names
        return v


class Catalog(Strict):
    servers: dict[Name, ServerModel] = Field(
        default_factory=dict, description="server models by name (none: a fabric of switches only)"
    )
    switches: dict[Name, SwitchModel] = Field(description="switch models by name")


# --------------------------------------------------------------------------- layout


class ServerGroup(Strict):
    model: str = Field(description="server model from catalog.servers")
    count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_GROUP,
        description="how many; names are generated",
        json_schema_extra=why(f"a server group sits in one rack, and no rack holds more than {MAX_GROUP} servers"),
    )
    names: list[Name] | None = Field(
        default=None, min_length=1, max_length=MAX_GROUP, description="explicit server names instead of count"
    )
    prefix: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]*$",
        max_length=63,
        description="name prefix for generated names: <rack>-<prefix><NN> (default gpu, stor or srv by model);"
        " lower-case letters, digits and '-', so every name is a valid hostname (PLAT001 checks its length)",
    )


class Rack(Strict):
    name: Name = Field(description="unique rack name, e.g. su1-r01")
    role: Literal["gpu", "storage", "network", "mixed"] = Field(
        default="gpu", description="what the rack mainly holds; network racks host the SU's switches"
    )
    power_kw: float | None = Field(
        default=None,
        gt=0,
        le=2000,
        description="power budget of the rack (checked: RACK002)",
        json_schema_extra=why("no rack is fed more than 2 MW"),
    )
    units: int = Field(default=42, ge=1, le=60, description="usable height in rack units (checked: RACK001)")
    row: Name | None = Field(
        default=None, description="row of the rack on the floor (default: its SU's name; racks outside SUs: 'core')"
    )
    position: int | None = Field(
        default=None, ge=0, le=999, description="rack position in its row (default: its order in the row)"
    )
    servers: list[ServerGroup] = Field(default_factory=list, max_length=MAX_GROUP, description="servers in slot order")
    pdus: int = Field(default=0, ge=0, le=8, description="managed PDUs in the rack (OOB attached)")
    count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_RACK_COUNT,
        description="compact form: this many identical racks named <name>01, <name>02, ...",
    )
    first: int = Field(default=1, ge=1, description="compact form: number of the first rack (continues a series)")


class ScalableUnit(Strict):
    name: Name = Field(description="unique SU name, e.g. su1")
    racks: list[Rack] = Field(min_length=1, max_length=256, description="racks of the SU in row order")
    count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SU_COUNT,
        description="compact form: this many identical SUs named <name>1, <name>2, ...; their rack names are "
        "relative (rack r of SU su7 is su7-r)",
    )
    first: int = Field(default=1, ge=1, description="compact form: number of the first SU (continues a series)")


class Layout(Strict):
    scalable_units: list[ScalableUnit] = Field(
        default_factory=list,
        max_length=MAX_SUS,
        description="compute scalable units (none: no compute plane, e.g. a leaf-spine of racks under layout.racks)",
    )
    racks: list[Rack] = Field(
        default_factory=list,
        description="racks outside any SU: storage, spine/core network racks, services",
    )
    network_rack: str | None = Field(
        default=None, description="rack for spines, cores and front-end spines (default: first non-SU rack)"
    )

    @model_validator(mode="after")
    def _size(self) -> Layout:
        racks = [(r, 1) for r in self.racks] + [(r, su.count or 1) for su in self.scalable_units for r in su.racks]
        n = sum(
            times * (r.count or 1) * (len(g.names) if g.names else (g.count or 0))
            for r, times in racks
            for g in r.servers
        )
        racks_total = sum(times * (r.count or 1) for r, times in racks)
        if racks_total > MAX_RACKS:
            raise ValueError(
                f"the layout holds {racks_total} racks; aidc designs at most {MAX_RACKS} per spec: split the site "
                "into several specs"
            )
        if n > MAX_SERVERS:
            raise ValueError(
                f"the layout holds {n} servers; aidc designs at most {MAX_SERVERS} per spec "
                "(262,144 eight-GPU servers' worth of GPUs): split the site into several specs"
            )
        return self


# --------------------------------------------------------------------------- networks


class TierSpec(Strict):
    model: str = Field(description="switch model from catalog.switches")
    breakout: Breakout | None = Field(default=None, description="breakout used on this tier's ports, e.g. 2x400G")
    uplink_breakout: Breakout | None = Field(
        default=None,
        description=(
            "port mode of the cages facing the tier above, e.g. 1x800G with breakout 2x400G for the "
            "downlinks (default: breakout); the tier above must run its downlinks at the same speed"
        ),
    )
    count: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="override the computed switch count",
        json_schema_extra=why("a switch has at most 1024 ports, so no tier needs more switches per plane"),
    )


class AsnPlan(Strict):
    core: int = Field(default=4200000000, ge=1, le=4294967294, description="ASN shared by all cores")
    spine_base: int = Field(
        default=4200000100, ge=1, le=4294967294, description="ASN of pod 0 spines; pod p uses base+p"
    )
    leaf_base: int = Field(default=4200010000, ge=1, le=4294967294, description="ASN of leaf 0; leaf i uses base+i")


class ComputeAddressing(Strict):
    loopbacks: Prefix = Field(
        description="router IDs/VTEPs: leaves lower half, spines next quarter, cores last quarter"
    )
    p2p: Prefix = Field(description="/31 links: leaf-spine lower half, spine-core upper half")
    hosts: Prefix = Field(description="/31 per compute NIC port, one block per rail leaf")


class SubnetManagerSpec(Strict):
    host: str = Field(description="server (its first compute HCA port) or InfiniBand switch running the SM")
    priority: int = Field(default=15, ge=0, le=15, description="SM priority; the highest is master")


class IpoibSpec(Strict):
    prefix: Prefix = Field(
        description="IPoIB addresses: one equal block per rail; hosts take the lower half, pods the upper"
    )
    mode: Literal["datagram", "connected"] = Field(default="datagram", description="IPoIB transport mode")
    mtu: int | None = Field(
        default=None,
        ge=1280,
        le=65535,
        description="MTU of the IPoIB interfaces; datagram mode allows the IB MTU less the 4-byte IPoIB header "
        "(2044 / 4092), connected mode up to 65520 (IB007); default: the mode's maximum",
    )


class InfinibandSpec(Strict):
    """InfiniBand compute fabric: subnet manager, routing, partitions, QoS, IPoIB."""

    subnet_managers: list[SubnetManagerSpec] = Field(
        min_length=1, max_length=4, description="SM placement: master first; the others are standbys"
    )
    routing_engine: Literal["ftree", "updn", "ar_updn"] = Field(
        default="ftree", description="opensm routing engine (ftree for the rail-optimized fat tree)"
    )
    lmc: int = Field(default=0, ge=0, le=7, description="LID mask control: 2^lmc LIDs per port")
    qos: bool = Field(default=True, description="opensm QoS (SL to VL mapping from qos-policy.conf)")
    compute_sl: int = Field(default=0, ge=0, le=15, description="service level of the compute traffic class")
    adaptive_routing: bool = Field(default=True, description="NCCL and SM adaptive routing on the compute SL")
    mtu: Literal[2048, 4096] = Field(
        default=4096, description="IB MTU of the partitions' IPoIB broadcast groups (partitions.conf mtu=)"
    )
    ipoib: IpoibSpec | None = Field(default=None, description="IPoIB on the compute HCAs (optional)")


class ComputeNetwork(Strict):
    kind: Literal["roce", "infiniband"] = Field(default="roce", description="RoCE v2 over Ethernet or InfiniBand")
    topology: Literal["rail-optimized"] = Field(
        default="rail-optimized", description="NIC i of every server of an SU on the rail-i leaf"
    )
    tiers: Literal["auto", 2, 3] = Field(default="auto", description="2: leaf-spine; 3: adds cores; auto picks")
    oversubscription: str = Field(
        default="1:1", pattern=r"^\d+(\.\d+)?:1$", description="leaf downlink:uplink bandwidth ratio"
    )
    servers_per_su: int | None = Field(
        default=None,
        ge=1,
        le=8192,
        description="planned servers per SU (default: the largest SU); fixes leaf ports",
        json_schema_extra=why("a rail leaf has at most 8192 ports (1024 cages in 8 lanes), one per server"),
    )
    planned_sus: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="planned SUs (default: current count); fixes spine and core counts",
        json_schema_extra=why("1024 SUs are far beyond any cluster built (and the most a spec may hold)"),
    )
    leaf: TierSpec = Field(description="rail leaf tier")
    spine: TierSpec = Field(description="spine tier")
    core: TierSpec | None = Field(default=None, description="core (super-spine) tier for 3 tiers")
    mtu: int = Field(default=9216, ge=1500, le=9216, description="switch interface MTU")
    host_mtu: int = Field(default=9000, ge=1500, le=9216, description="host NIC MTU")
    underlay: Literal["unnumbered", "numbered"] = Field(
        default="unnumbered", description="eBGP unnumbered (IPv6 link-local) or numbered /31 sessions"
    )
    addressing: ComputeAddressing | None = Field(default=None, description="required for kind roce")
    asn: AsnPlan = Field(default_factory=AsnPlan, description="ASN plan (RFC 7938 style)")
    infiniband: InfinibandSpec | None = Field(default=None, description="required for kind infiniband")

    @property
    def ratio(self) -> float:
        return float(self.oversubscription.split(":")[0])


class FrontendAddressing(Strict):
    loopbacks: Prefix = Field(description="router IDs / VTEP addresses of this plane's switches")
    p2p: Prefix = Field(description="/31 leaf-spine links")
    hosts: Prefix = Field(description="/31 per host port")


class FrontendAsn(Strict):
    spine: int = Field(ge=1, le=4294967294, description="ASN shared by this plane's spines")
    leaf_base: int = Field(ge=1, le=4294967294, description="ASN of leaf 0; leaf i uses base+i")


class FrontendNetwork(Strict):
    """An Ethernet leaf-spine for the business (front-end) or storage plane."""

    leaf: TierSpec = Field(description="leaf tier")
    spine: TierSpec = Field(description="spine tier")
    leaves_per_group: int = Field(default=2, ge=1, le=4, description="leaves serving one rack group")
    uplinks_per_spine: int = Field(
        default=1, ge=1, le=16, description="parallel links from every leaf to every spine (each spine its own cages)"
    )
    oversubscription: str | None = Field(
        default=None,
        pattern=r"^\d+(\.\d+)?:1$",
        description=(
            "largest leaf host-port:uplink bandwidth ratio the design may have, e.g. 3:1 (checked; "
            "undeclared gives a warning with the designed ratio)"
        ),
    )
    racks_per_group: int = Field(
        default=1, ge=1, le=64, description="consecutive racks (layout order) that share a leaf group",
        json_schema_extra=why("a leaf group of more than 64 racks cannot be cabled"),
    )
    mtu: int = Field(default=9216, ge=1500, le=9216, description="switch interface MTU")
    host_mtu: int = Field(default=9000, ge=1500, le=9216, description="host NIC MTU")
    underlay: Literal["unnumbered", "numbered"] = Field(default="unnumbered", description="eBGP underlay style")
    dual_homing: bool = Field(
        default=False,
        description=(
            "tenant members whose NIC has ports on two leaves of their group get one LACP bond on the host "
            "and an all-active EVPN multihoming Ethernet segment on those leaves (needs leaves_per_group >= 2); "
            "on a dedicated storage fabric every storage host is bonded so into its leaf group's storage "
            "segment (one L2VNI, anycast gateway on the group's leaves) instead of routed /31s"
        ),
    )
    addressing: FrontendAddressing = Field(description="address pools of this plane")
    asn: FrontendAsn = Field(description="ASNs of this plane")


class StorageNetwork(Strict):
    mode: Literal["dedicated", "converged"] = Field(
        description="dedicated leaf-spine, or converged onto the business network"
    )
    fabric: FrontendNetwork | None = Field(default=None, description="the dedicated fabric (mode dedicated)")
    hosts: Prefix | None = Field(
        default=None, description="converged: /31 per storage port, carved on the business leaves"
    )


class OobDistribution(Strict):
    """The second OOB level, for more racks than the aggregation has ports: a switch (a pair when
    the aggregation is redundant) per SU in the SU's network rack; the OOB switches of the SU's
    racks uplink to it, it uplinks to the aggregation (racks outside SUs stay on the aggregation)."""

    model: str = Field(
        description="distribution switch model from catalog.switches (a port per rack of an SU, an uplink, "
        "a peer link when redundant)"
    )


class OobAggregation(Strict):
    """Where every rack's OOB switch uplinks: a redundant pair, or one management router."""

    model: str = Field(description="aggregation switch / router model from catalog.switches (a port per rack)")
    redundant: bool = Field(
        default=True, description="a pair (every OOB switch uplinked to both, one peer link) or a single router"
    )
    racks: list[Name] = Field(
        default_factory=list,
        description="racks of the aggregation switches (default: the network racks outside the SUs)",
    )
    distribution: OobDistribution | None = Field(
        default=None,
        description="a distribution level per SU between its racks and the aggregation (three OOB tiers): "
        "when the aggregation has fewer ports than there are racks (OOBA003)",
    )


class OobNetwork(Strict):
    switch_model: str = Field(description="per-rack 1G management switch model from catalog.switches")
    aggregation: OobAggregation | None = Field(
        default=None, description="the OOB aggregation every rack's OOB switch uplinks to (required: OOBA001)"
    )
    prefix: Prefix = Field(description="management subnet (one L2/L3 zone)")
    gateway: Address | None = Field(default=None, description="default gateway (default: first address)")
    rack_block: int = Field(default=64, ge=8, le=1024, description="addresses reserved per rack, in layout order")
    vlan: int = Field(
        default=2, ge=2, le=4094,
        description="VLAN of the flat OOB L2 domain on the management switches (2..4094: SONiC refuses VLAN 1)",
    )
    controller: Address | None = Field(
        default=None, description="address of the automation controller (default: second address)"
    )


class ExternalRouter(Strict):
    """An upstream router the border leaves peer with (eBGP), one routed link per border leaf and VRF."""

    name: Name = Field(description="the router's name (descriptions, the twin's upstream namespace)")
    asn: int = Field(ge=1, le=4294967294, description="its ASN")
    links: Prefix = Field(
        description="addresses of its links: one /31 per (border leaf, VRF) in order — border leaf 0's VRFs, "
        "then leaf 1's; the border leaf takes the even address, the router the odd one"
    )
    vrfs: list[str] = Field(
        default_factory=lambda: ["default"],
        min_length=1,
        max_length=64,
        description="VRFs peering with it: 'default' (the business plane) and tenant names (needs the tenant's l3vni)",
    )


class BorderSpec(Strict):
    """The way out: a pair of business leaves peering eBGP with external routers."""

    leaves: list[str] = Field(
        min_length=1, max_length=2, description="the border leaves: names of business leaves (a pair: two)"
    )
    routers: list[ExternalRouter] = Field(min_length=1, max_length=8, description="external routers")
    probe: Address = Field(
        default="192.0.2.1",
        description="an address outside the fabric, behind the routers: validate proves every business host and "
        "border tenant reaches it; the twin's upstream router holds it",
    )
    accept: list[Prefix] = Field(
        default_factory=lambda: ["0.0.0.0/0"],
        max_length=64,
        description="prefixes accepted from the routers into the business plane (default: the default route only)",
    )
    export: list[Prefix] | None = Field(
        default=None,
        max_length=64,
        description="business-plane prefixes announced to the routers (default: the plane's host prefix)",
    )


class Networks(Strict):
    compute: ComputeNetwork | None = Field(
        default=None,
        description="GPU-to-GPU RDMA fabric (none: a spec without GPU servers, e.g. a business leaf-spine)",
    )
    business: FrontendNetwork | None = Field(default=None, description="front-end / in-band network")
    storage: StorageNetwork | None = Field(default=None, description="storage network")
    oob: OobNetwork | None = Field(
        default=None,
        description="out-of-band management network (none: no OOB switches are designed and the switches' "
        "management ports stay unconfigured)",
    )
    border: BorderSpec | None = Field(
        default=None, description="border leaves and external routers: the default route into the fabric"
    )


# --------------------------------------------------------------------------- QoS


class Ecn(Strict):
    min_kbytes: int = Field(
        default=150, ge=1, le=65536, description="WRED/ECN minimum threshold",
        json_schema_extra=why("thresholds are per queue, and no switch buffers more than 64 MiB for one queue"),
    )
    max_kbytes: int = Field(
        default=1500, ge=1, le=65536, description="WRED/ECN maximum threshold",
        json_schema_extra=why("thresholds are per queue, and no switch buffers more than 64 MiB for one queue"),
    )
    probability: int = Field(default=100, ge=1, le=100, description="marking probability at max, percent")


class Qos(Strict):
    trust: Literal["dscp", "pcp"] = Field(default="dscp", description="what switches and NICs classify on")
    pfc_priority: int = Field(default=3, ge=0, le=7, description="the one lossless priority")
    roce_dscp: int = Field(default=26, ge=0, le=63, description="DSCP of RoCE data traffic")
    roce_priority: int = Field(default=3, ge=0, le=7, description="traffic class of RoCE data")
    cnp_dscp: int = Field(default=48, ge=0, le=63, description="DSCP of congestion notification packets")
    cnp_priority: int = Field(default=6, ge=0, le=7, description="strict-priority queue of CNPs")
    ecn: Ecn = Field(default_factory=Ecn, description="ECN marking thresholds")
    pfc_watchdog: bool = Field(default=True, description="PFC storm watchdog on lossless queues")


# --------------------------------------------------------------------------- tenants


class TenantNetworkSpec(Strict):
    """One segment of a tenant: a VLAN / L2VNI / subnet with its anycast gateway, in the tenant's
    VRF (routed to the tenant's other networks through the tenant's L3VNI)."""

    name: Name = Field(description="network name, unique within the tenant")
    vni: int = Field(ge=1, le=16777215, description="L2VNI of the segment")
    vlan: int = Field(ge=2, le=4094, description="leaf-local VLAN mapped to the VNI")
    subnet: Prefix
    gateway: Address = Field(description="anycast gateway address in the subnet")
    members: list[str] = Field(
        default_factory=list, max_length=MAX_SERVERS, description="member server names (their ports are in this VLAN)"
    )
    leaves: list[str] | Literal["all"] = Field(
        default_factory=list,
        description="leaves that carry the segment (VLAN, VNI, gateway) without a member there: switch names "
        "of the tenant's plane, or 'all' for every leaf of that plane",
    )


class TenantSpec(Strict):
    """A tenant (VPC): one VRF with an optional symmetric-IRB L3VNI and one or more networks.

    One network can be written inline (``vni``, ``vlan``, ``subnet``, ``gateway``, ``members``:
    the network is named after the tenant); several go under ``networks``."""

    name: Name = Field(description="tenant (VPC) name; also its VRF name")
    vni: int | None = Field(default=None, ge=1, le=16777215, description="L2VNI of the tenant segment (one network)")
    l3vni: int | None = Field(default=None, ge=1, le=16777215, description="symmetric-IRB L3VNI (optional)")
    vlan: int | None = Field(default=None, ge=2, le=4094, description="leaf-local VLAN mapped to the VNI (one network)")
    subnet: Prefix | None = Field(default=None, description="IPv4 prefix of the tenant segment (one network)")
    gateway: Address | None = Field(default=None, description="anycast gateway address in the subnet (one network)")
    members: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_SERVERS, description="member server names (one network)"
    )
    networks: list[TenantNetworkSpec] = Field(
        default_factory=list, max_length=4094, description="the tenant's networks, all in its VRF (instead of the "
        "one-network fields vni, vlan, subnet, gateway, members)"
    )
    plane: Literal["business", "storage"] = Field(default="business", description="which leaves carry it")
    pkey: int | None = Field(
        default=None,
        ge=1,
        le=0x7FFE,
        description="InfiniBand partition key of the tenant (default: 0x1000 + tenant position)",
    )
    accept: list[Prefix] = Field(
        default_factory=lambda: ["0.0.0.0/0"],
        max_length=64,
        description="with a border VRF session: prefixes accepted from the external routers (default: default route)",
    )
    export: list[Prefix] | None = Field(
        default=None, max_length=64, description="with a border VRF session: prefixes announced (default: the subnet)"
    )

    @model_validator(mode="after")
    def _one_form(self) -> TenantSpec:
        inline = {k: getattr(self, k) for k in _INLINE_NETWORK}
        given = [k for k, v in inline.items() if v is not None]
        if self.networks and given:
            raise ValueError(
                f"tenant {self.name}: write its networks either inline ({', '.join(given)}) or under networks, "
                "not both: move the inline fields into a networks entry"
            )
        if not self.networks:
            missing = [k for k, v in inline.items() if v is None]
            if missing:
                raise ValueError(
                    f"tenant {self.name}: missing {', '.join(missing)} (or give its networks under networks)"
                )
        return self

    def nets(self) -> list[TenantNetworkSpec]:
        """The tenant's networks; the inline form is one network named after the tenant."""
        if self.networks:
            return self.networks
        assert self.vni is not None and self.vlan is not None and self.subnet is not None
        assert self.gateway is not None and self.members is not None
        return [
            TenantNetworkSpec.model_construct(
                name=self.name, vni=self.vni, vlan=self.vlan, subnet=self.subnet, gateway=self.gateway,
                members=self.members, leaves=[],
            )
        ]

    def net_path(self, j: int) -> tuple[str | int, ...]:
        """The YAML path (below ``tenants[i]``) of network ``j``'s fields: () for the inline form."""
        return ("networks", j) if self.networks else ()

    def member_refs(self) -> list[tuple[str, tuple[str | int, ...]]]:
        """Every member server name with its YAML path below ``tenants[i]``, network by network."""
        return [
            (m, (*self.net_path(j), "members", k)) for j, n in enumerate(self.nets()) for k, m in enumerate(n.members)
        ]


_INLINE_NETWORK = ("vni", "vlan", "subnet", "gateway", "members")


# --------------------------------------------------------------------------- storage


Scenario = Literal["server", "leaf", "leaf-pair", "rack"]
"""A failure a storage design is checked against: one storage server, one leaf its storage ports
hang from, one leaf pair (a rack group's leaves), one rack."""

DEFAULT_SURVIVES: tuple[Scenario, ...] = ("server", "leaf")


class CephPoolSpec(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$", description="pool name")
    type: Literal["replicated", "erasure"] = Field(default="replicated", description="replicated or erasure-coded")
    size: int | None = Field(default=None, ge=1, le=10, description="replicas (replicated pools)")
    min_size: int | None = Field(
        default=None, ge=1, le=32, description="copies/chunks a PG needs to stay active (default: Ceph's rule)"
    )
    k: int | None = Field(default=None, ge=1, le=32, description="data chunks (erasure pools)")
    m: int | None = Field(default=None, ge=1, le=16, description="coding chunks (erasure pools)")
    pg_num: int = Field(default=32, ge=1, le=65536, description="placement groups (power of two)")
    application: Literal["rbd", "rgw", "cephfs"] = Field(default="rbd", description="what uses the pool")
    failure_domain: Literal["host", "rack"] | None = Field(
        default=None, description="CRUSH failure domain of this pool (default: the cluster's)"
    )
    device_class: Literal["nvme", "ssd", "hdd"] | None = Field(
        default=None, description="place the pool on OSDs of this device class only (default: any)"
    )


class CephFsSpec(Strict):
    name: str = Field(description="CephFS file system name")
    metadata_pool: str = Field(description="replicated pool (from pools) holding the metadata")
    data_pool: str = Field(description="pool (from pools) holding the file data")


class CephSpec(Strict):
    name: Name = Field(description="Ceph cluster name")
    mons: list[str] = Field(
        default_factory=list, description="monitor hosts, odd count (default: one per rack of the OSD hosts, 3 or 5)"
    )
    mgrs: list[str] = Field(default_factory=list, description="manager hosts (default: the first two monitors)")
    osd_hosts: list[str] = Field(min_length=1, max_length=4096, description="hosts whose drives become OSDs")
    drives: list[str] = Field(default_factory=list, description="OSD drive paths per host (default: by model)")
    device_class: Literal["nvme", "ssd", "hdd"] = Field(default="nvme", description="CRUSH device class of the OSDs")
    osds_per_device: int = Field(default=1, ge=1, le=8, description="OSDs per drive (fast NVMe: 2)")
    rgws: list[str] = Field(default_factory=list, description="RADOS gateway hosts")
    rgws_per_host: int = Field(default=1, ge=1, le=8, description="RADOS gateway daemons per host")
    rgw_port: int = Field(default=7480, ge=1, le=65535, description="port of the first RADOS gateway (beast) of a host")
    mdss: list[str] = Field(default_factory=list, description="metadata server hosts (CephFS)")
    filesystems: list[CephFsSpec] = Field(default_factory=list, description="CephFS file systems")
    cluster_network: Prefix | None = Field(
        default=None, description="separate replication network (default: none, the storage plane carries it)"
    )
    failure_domain: Literal["host", "rack"] = Field(default="rack", description="CRUSH failure domain")
    pools: list[CephPoolSpec] = Field(default_factory=list, max_length=256, description="pools to create")
    survives: list[Scenario] = Field(
        default_factory=lambda: list(DEFAULT_SURVIVES),
        description="failures the cluster must survive with mon quorum and every pool active (validated "
        "against the network)",
    )


class MinioPoolSpec(Strict):
    servers: list[str] = Field(min_length=1, description="servers of this pool, in order (hosts must be sequential)")
    drives_per_server: int = Field(ge=1, le=64, description="drives each server contributes")


class MinioSpec(Strict):
    name: Name = Field(description="MinIO deployment name")
    pools: list[MinioPoolSpec] = Field(min_length=1, max_length=64, description="server pools")
    erasure_set_size: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="drives per erasure set, 2-16 (MINIO_ERASURE_SET_DRIVE_COUNT; default: MinIO's choice per pool)",
    )
    parity: int | None = Field(
        default=None,
        ge=0,
        le=32,
        description="parity drives per set, at most half the set (default: MinIO's EC:2/3/4 rule)",
    )
    port: int = Field(default=9000, ge=1, le=65535, description="S3 API port")
    console_port: int = Field(default=9001, ge=1, le=65535, description="web console port")
    drive_path: str = Field(
        default="/data/disk", pattern=r"^/[A-Za-z0-9_./-]+$", description="mount point prefix of the drives (1-based)"
    )
    survives: list[Scenario] = Field(
        default_factory=lambda: list(DEFAULT_SURVIVES),
        description="failures every pool must survive with write quorum (validated against the network)",
    )


class StorageSpec(Strict):
    ceph: list[CephSpec] = Field(default_factory=list, description="Ceph clusters")
    minio: list[MinioSpec] = Field(default_factory=list, description="MinIO deployments")


# --------------------------------------------------------------------------- scheduler


class KubernetesSpec(Strict):
    label_prefix: str = Field(
        default="aidc.io",
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        max_length=200,
        description="DNS prefix of the topology node labels (<prefix>/su, <prefix>/rack, ...)",
    )
    namespace: Name = Field(default="default", description="namespace of the NetworkAttachmentDefinitions")
    operator_namespace: Name = Field(
        default="network-operator", description="namespace of the NVIDIA network operator (SR-IOV policies)"
    )
    rdma_pods: Prefix | None = Field(
        default=None,
        description="pod addresses on the compute rails: one equal block per rail (Multus IPAM ranges)",
    )
    vfs_per_nic: int = Field(default=8, ge=1, le=127, description="SR-IOV virtual functions per compute NIC")


class SchedulerSpec(Strict):
    kubernetes: KubernetesSpec = Field(default_factory=KubernetesSpec, description="Kubernetes objects")


# --------------------------------------------------------------------------- top level


class ClusterSpec(Strict):
    """A GPU datacentre: everything aidc designs, renders, applies and checks."""

    cluster: ClusterInfo = Field(description="name and description")
    site: Site = Field(description="site services: NTP, DNS, syslog, time zone, domain")
    catalog: Catalog = Field(description="hardware catalogue: server and switch models")
    layout: Layout = Field(description="scalable units, racks and the servers in them")
    networks: Networks = Field(description="compute, business, storage and OOB networks")
    qos: Qos = Field(default_factory=Qos, description="lossless RoCE profile")
    tenants: list[TenantSpec] = Field(default_factory=list, max_length=4094, description="VPCs as EVPN-VXLAN overlays")
    storage: StorageSpec = Field(default_factory=StorageSpec, description="Ceph and MinIO clusters")
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec, description="Slurm and Kubernetes view")
    guids: dict[str, str] = Field(
        default_factory=dict,
        description="InfiniBand GUIDs found at installation (guids.yaml from `aidc ib guids`): "
        "<switch> or <server>:<port> -> 0x... node/port GUID; the rest are derived",
    )
