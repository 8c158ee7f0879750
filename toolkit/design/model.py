"""The Fabric: the one design object every later stage reads.

Every decision (which port, which address, which ASN, which rail) is made in ``toolkit.design``
and recorded here. Renderers, the lab, apply and health checks only read it.

Conventions
- speeds are in Gbit/s (int), MTUs in bytes (L3 MTU on hosts, interface MTU on switches).
- addresses carry their prefix length: ``10.0.0.1/32``, ``10.1.0.0/31``.
- ``Port.name`` is the native name on the device's platform (``swp1s0``, ``Ethernet1/1``,
  ``Ethernet0``); ``Port.ifname`` is a Linux-safe name (at most 15 characters) used by the
  ``frr`` platform and by the lab.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from toolkit.platforms import Sku

Plane = Literal["compute", "storage", "business", "oob"]
DeviceRole = Literal[
    "gpu-server",
    "storage-server",
    "server",
    "leaf",
    "spine",
    "core",
    "storage-leaf",
    "storage-spine",
    "business-leaf",
    "business-spine",
    "oob",
    "pdu",
]
PortRole = Literal["host", "downlink", "uplink", "mgmt", "oob-access", "oob-uplink", "bmc", "bond", "external"]
"""``mgmt``: a switch's management port, or a server OS's own port on the OOB network. ``bond``: an
LACP bond (802.3ad) over ``Port.members`` — on a server its NIC's ports towards two leaves, on a
leaf the local end of an EVPN multihoming Ethernet segment towards one server (not cabled itself:
its members are). ``external``: a border leaf's routed link to an external router (``Port.vrf``)."""

SWITCH_ROLES: frozenset[str] = frozenset(
    {"leaf", "spine", "core", "storage-leaf", "storage-spine", "business-leaf", "business-spine", "oob"}
)
SERVER_ROLES: frozenset[str] = frozenset({"gpu-server", "storage-server", "server"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


M = TypeVar("M", bound=BaseModel)
_DEFAULTS: dict[type, tuple[dict[str, object], dict[str, object], tuple[str, ...]]] = {}
_FIELDS_SET: dict[tuple[type, tuple[str, ...]], set[str]] = {}
_REQUIRED = object()
_new = object.__new__  # BaseModel does not override __new__
_set = object.__setattr__  # frozen models refuse their own __setattr__


def fast_new(cls: type[M], **values: object) -> M:
    """Build a model without validation (much faster than pydantic's model_construct here).

    Only for the design's hot paths, whose output the tests round-trip through full validation.
    Fields keep declaration order (dict.update keeps existing keys in place), so serialisation is
    identical to a validated model.

    Models built from the same field names share one ``__pydantic_fields_set__``: a set per
    object cost as much memory as its ``__dict__`` (about 1 GB of cluster-100k's Fabric). The
    models are frozen, so pydantic never adds to it; ``model_copy`` copies it before an update.
    """
    cached = _DEFAULTS.get(cls)
    if cached is None:
        template: dict[str, object] = {}
        factories: dict[str, object] = {}
        for name, f in cls.model_fields.items():
            if f.default_factory is not None:
                factories[name] = f.default_factory
                template[name] = _REQUIRED
            else:
                template[name] = _REQUIRED if f.is_required() else f.default
        required = tuple(k for k, f in cls.model_fields.items() if f.is_required())
        cached = _DEFAULTS[cls] = (template, factories, required)
    template, factories, required = cached
    data = template.copy()
    data.update(values)
    if factories:
        for name, factory in factories.items():
            if name not in values:
                data[name] = factory()  # type: ignore[operator]
    given = (cls, tuple(values))
    fields_set = _FIELDS_SET.get(given)
    if fields_set is None:  # names not seen together before: check once that none is missing
        missing = [k for k in required if k not in values]
        if missing:
            raise TypeError(f"{cls.__name__} needs {missing}")
        fields_set = _FIELDS_SET[given] = set(values)
    obj = _new(cls)
    _set(obj, "__dict__", data)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def put(obj: BaseModel, **values: object) -> None:
    """Set fields without pydantic's per-assignment machinery (design hot paths only)."""
    obj.__dict__.update(values)


class Port(_Model):
    name: str = Field(description="native interface name on the device's platform")
    ifname: str = Field(description="Linux interface name (<= 15 chars): frr platform and lab")
    plane: Plane
    role: PortRole
    speed: int = Field(description="Gbit/s of this (logical) port")
    mtu: int
    cage: int | None = Field(default=None, description="front-panel cage number (switches, 1-based)")
    lane: int | None = Field(default=None, description="breakout lane in the cage (0-based)")
    breakout: str | None = Field(default=None, description="cage breakout mode, e.g. 2x400G")
    nic: str | None = Field(default=None, description="server NIC this port belongs to")
    rail: int | None = Field(default=None, description="compute rail of this port (0-based)")
    gpu: int | None = Field(default=None, description="GPU paired with this compute NIC")
    numa: int | None = None
    address: str | None = Field(default=None, description="IPv4 address with prefix length")
    gateway: str | None = Field(default=None, description="next hop for a host port (no prefix)")
    peer_device: str | None = None
    peer_port: str | None = None
    description: str = ""
    vni: int | None = Field(default=None, description="tenant L2VNI for an access port")
    vlan: int | None = Field(default=None, description="local VLAN of the tenant on this port")
    tenant: str | None = None
    qos: str | None = Field(default=None, description="QoS profile applied (roce-lossless)")
    unnumbered: bool = Field(default=False, description="BGP unnumbered on this link (IPv6 LL)")
    edge: bool = Field(
        default=False, description="OOB port facing one end device (BMC, PDU, management port): STP edge, BPDU guard"
    )
    # host routing (policy): servers only
    table: int | None = Field(default=None, description="policy routing table of this port's traffic (compute)")
    rule_priority: int | None = Field(default=None, description="ip rule preference of 'from <address> lookup table'")
    routes: tuple[str, ...] = Field(
        default=(), description="destinations ('default' or prefixes) via gateway, in table or main"
    )
    metric: int | None = Field(default=None, description="route metric of the main-table routes of this port")
    rdma_device: str | None = Field(default=None, description="RDMA device of a compute NIC port (mlx5_<n>)")
    # dual-homing (toolkit/design/multihoming.py)
    bond: str | None = Field(
        default=None, description="the bond (Port.name of a role 'bond' port) this port is a member of"
    )
    members: tuple[str, ...] = Field(default=(), description="bond: its member ports (names on this device)")
    peers: tuple[str, ...] = Field(
        default=(), description="bond: devices at the far end of its members (a server: its leaves; a leaf: the server)"
    )
    es_id: int | None = Field(
        default=None, description="leaf bond: EVPN-MH local discriminator of the segment (type-3 ESI)"
    )
    es_sys_mac: str | None = Field(
        default=None, description="leaf bond: segment system MAC, also the LACP system id every leaf of it presents"
    )
    esi: str | None = Field(default=None, description="bond: the 10-byte identifier (type 3) of its Ethernet segment")
    vrf: str | None = Field(
        default=None, description="external port: the tenant whose VRF it sits in (None: the business plane)"
    )


class BgpNeighbor(_Model):
    peer_device: str
    peer_asn: int
    interface: str | None = Field(default=None, description="local port name (unnumbered or /31)")
    peer_interface: str | None = None
    local_address: str | None = Field(default=None, description="local address, no prefix")
    peer_address: str | None = Field(default=None, description="peer address, no prefix")
    unnumbered: bool = False
    plane: Plane
    afis: list[str] = Field(default_factory=lambda: ["ipv4-unicast"])
    # border sessions (toolkit/design/border.py)
    external: bool = Field(default=False, description="an eBGP session to an external router (peer_device is its name)")
    vrf: str | None = Field(default=None, description="tenant whose VRF holds the session (None: the default VRF)")
    accept: list[str] = Field(default_factory=list, description="external: prefixes accepted (exact match)")
    export: list[str] = Field(default_factory=list, description="external: prefixes announced (and longer ones)")


class TenantAttachment(_Model):
    """One tenant network on one leaf (a tenant with several networks has one per network)."""

    device: str
    vlan: int
    vni: int
    tenant: str = Field(default="", description="tenant name")
    network: str = Field(default="", description="network name within the tenant")
    ports: list[str] = Field(description="physical access ports of the tenant (bond members included)")
    bonds: list[str] = Field(default_factory=list, description="bonds (EVPN-MH segments) in the tenant VLAN")
    # policy: what this device configures for the tenant
    vrf: str = Field(default="", description="tenant VRF name on this device's platform (prefix included)")
    mtu: int = Field(default=0, description="MTU of the tenant bridge / VXLAN device / SVI (the plane's host MTU)")
    l3vni_vlan: int | None = Field(default=None, description="VLAN the platform maps the L3VNI to (SONiC)")
    rd: str | None = Field(default=None, description="MAC-VRF route distinguisher where the platform needs one")
    rt: str | None = Field(default=None, description="MAC-VRF route target (import and export)")
    l3_rd: str | None = Field(default=None, description="IP-VRF route distinguisher (L3VNI)")
    l3_rt: str | None = Field(default=None, description="IP-VRF route target (L3VNI, import and export EVPN)")


class Device(_Model):
    name: str
    role: DeviceRole
    plane: Plane
    model: str
    platform: str = Field(description="network OS for switches (frr, sonic, cumulus, eos, ...); linux for servers")
    rack: str
    su: str | None = None
    su_index: int | None = None
    pod: int | None = None
    rail: int | None = None
    index: int = Field(description="stable index of the device within its role and plane")
    asn: int | None = None
    loopback: str | None = Field(default=None, description="router ID / VTEP address with /32")
    mgmt_port: str | None = Field(
        default=None,
        description=(
            "port aidc and Ansible manage the device (its OS) on: a switch's management port; a server's "
            "mgmt NIC on the OOB network, or its business port when managed in-band; never the BMC"
        ),
    )
    mgmt_address: str | None = Field(default=None, description="management address with prefix length")
    mgmt_gateway: str | None = None
    mgmt_inband: bool = Field(
        default=False,
        description="managed in-band: servers over the business plane; OOB access switches on their OOB bridge "
        "(the management address is the OOB VLAN's interface, the management port is not cabled)",
    )
    stp_priority: int | None = Field(
        default=None, description="OOB switches: RSTP bridge priority (aggregation pair: root and backup root)"
    )
    bmc_port: str | None = Field(default=None, description="servers: the BMC port (Redfish / IPMI) on the OOB network")
    bmc_address: str | None = Field(default=None, description="servers: BMC address with prefix length")
    ports: list[Port] = Field(default_factory=list, description="ports in use, front panel order, mgmt last")
    unused_ports: list[tuple[str, str]] = Field(
        default_factory=list, description="(name, ifname) of front-panel ports the design leaves unused (shut)"
    )
    bgp: list[BgpNeighbor] = Field(default_factory=list)
    tenants: list[TenantAttachment] = Field(default_factory=list)
    segments: list[TenantAttachment] = Field(
        default_factory=list, description="storage segments (default VRF, anycast gateway) this leaf serves"
    )
    gpus: int = 0
    gpu_model: str | None = None
    power_w: int = 0
    units: int = Field(default=0, description="height in rack units (0: zero-U, e.g. a vertical PDU)")
    rack_u: int | None = Field(default=None, description="lowest rack unit the device occupies (1 = bottom)")
    cage_count: int = Field(default=0, description="front-panel cages (switches)")
    cage_speed: int = Field(default=0, description="native speed of a cage (switches)")
    cage_speeds: dict[int, int] = Field(
        default_factory=dict,
        description="cage number -> native speed of the cages unlike cage_speed (mixed port groups: uplink_cages)",
    )
    os_version: str | None = Field(
        default=None, description="switches: the NOS release the configuration is rendered for (platform os_versions)"
    )
    cage_breakouts: dict[int, str] = Field(
        default_factory=dict, description="cage number -> breakout mode actually used"
    )
    # routing policy (switches)
    mgmt_vrf: str | None = Field(default=None, description="management VRF name on this device's platform")
    advertise: list[str] = Field(
        default_factory=list, description="prefixes BGP announces: loopback /32 + host subnets (no tenant subnets)"
    )
    ecmp: int = Field(
        default=1, description="BGP maximum-paths: sessions of the device, bounded by ecmp_limit and the platform"
    )
    ecmp_limit: int | None = Field(
        default=None,
        description="switches: widest ECMP group the hardware installs (catalog max_ecmp, else the platform's "
        "conservative default)",
    )
    vtep: bool = Field(default=False, description="VXLAN tunnel endpoint (EVPN leaf): advertise-all-vni")

    @property
    def is_switch(self) -> bool:
        return self.role in SWITCH_ROLES

    def native_speed(self, cage: int) -> int:
        """Native speed of front-panel ``cage`` (1-based): the uplink group's or ``cage_speed``."""
        return self.cage_speeds.get(cage, self.cage_speed)

    @property
    def is_server(self) -> bool:
        return self.role in SERVER_ROLES

    def port(self, name: str) -> Port:
        for p in self.ports:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no port {name}")


class Cable(_Model):
    a_device: str
    a_port: str
    b_device: str
    b_port: str
    plane: Plane
    tier: Literal["server-leaf", "leaf-spine", "spine-core", "oob"]
    speed: int
    medium: str = Field(description="DAC, AOC, MMF or SMF by length class (one medium per switch cage)")
    length_class: str = Field(description="in-rack, adjacent-rack, in-row, cross-row")
    id: str = Field(default="", description="stable cable label: plane letter + hash of both ends")
    a_rack: str = ""
    a_u: int | None = Field(default=None, description="rack unit of the A end's device")
    b_rack: str = ""
    b_u: int | None = None
    length_m: float = Field(default=0.0, description="length estimate from the racks' rows and positions")
    breakout: str | None = Field(
        default=None, description="this is one leg of a breakout cable from a cage in this mode (e.g. 2x400G)"
    )
    group: str | None = Field(default=None, description="id of the breakout cable this leg belongs to")


class ExternalLink(_Model):
    router: str = Field(description="external router name (spec)")
    asn: int
    leaf: str = Field(description="border leaf")
    port: str = Field(description="the border leaf's port")
    vrf: str = Field(description="'default' (the business plane) or the tenant name")
    leaf_address: str = Field(description="border leaf end, with /31")
    router_address: str = Field(description="router end, with /31")


class BorderPlan(_Model):
    """The way out of the fabric: border leaves, their external links and what crosses them."""

    leaves: list[str]
    links: list[ExternalLink]
    probe: str = Field(description="an address behind the external routers the reachability proof reaches")
    tenants: list[str] = Field(default_factory=list, description="tenants with a VRF session to the routers")
    business: bool = Field(default=False, description="the business plane (default VRF) peers with the routers")


class RackSlot(_Model):
    u: int = Field(description="lowest unit (1 = bottom)")
    units: int
    device: str


class RackPlan(_Model):
    """One rack: what the design put in it, against the budgets the spec gave."""

    name: str
    role: str
    su: str | None = None
    units: int = Field(description="usable height (spec)")
    power_kw: float | None = Field(default=None, description="power budget (spec)")
    used_units: int
    power_w: int = Field(description="nameplate power of every device in the rack")
    devices: list[str] = Field(description="every device in the rack, design order")
    elevation: list[RackSlot] = Field(description="devices with a height, bottom to top")


class TenantMember(_Model):
    server: str
    port: str = Field(description="the server's tenant interface: its port, or its bond when dual-homed")
    address: str = Field(description="address with tenant prefix length")
    leaf: str
    leaf_port: str = Field(description="physical leaf port of the member's first (or only) port")
    leaves: list[str] = Field(
        default_factory=list, description="every leaf the member hangs from (two when dual-homed)"
    )
    esi: str | None = Field(default=None, description="Ethernet segment of a dual-homed member")


class TenantNetwork(_Model):
    """One segment of a tenant: VLAN + L2VNI + subnet with its anycast gateway (an SVI on every
    leaf in ``leaves``), in the tenant's VRF."""

    name: str = Field(description="network name (the tenant's name for the one-network form)")
    vni: int
    vlan: int
    subnet: str
    gateway: str
    gateway_mac: str
    members: list[TenantMember]
    leaves: list[str] = Field(description="VTEPs carrying the segment")


class Tenant(_Model):
    name: str
    l3vni: int | None
    vrf: str = Field(description="tenant VRF name: the tenant name cut to 15 characters (unique per device)")
    networks: list[TenantNetwork] = Field(description="the tenant's segments, all in its VRF")
    leaves: list[str] = Field(description="VTEPs carrying the tenant (any of its networks)")
    routed: bool = Field(
        default=False,
        description="the networks reach each other: an L3VNI (symmetric IRB) and every leaf of the tenant on a "
        "platform that renders it with anycast gateways",
    )

    @property
    def members(self) -> list[TenantMember]:
        """Every member of every network."""
        return [m for n in self.networks for m in n.members]

    def network(self, vni: int) -> TenantNetwork:
        return next(n for n in self.networks if n.vni == vni)


class QosProfile(_Model):
    name: str = "roce-lossless"
    trust: Literal["dscp", "pcp"] = "dscp"
    pfc_priority: int
    roce_dscp: int
    roce_priority: int
    cnp_dscp: int
    cnp_priority: int
    cnp_strict: bool = True
    ecn_min_kbytes: int
    ecn_max_kbytes: int
    ecn_probability: int
    dscp_to_tc: dict[int, int] = Field(description="DSCP -> traffic class map")
    pfc_watchdog: bool = True

    # Derived from the fields above, decided here once so every platform and the hosts print the
    # same values (properties: not serialised, cannot disagree with the fields).
    @property
    def dscps_by_tc(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """``dscp_to_tc`` inverted: (traffic class, its DSCPs ascending), by traffic class."""
        by_tc: dict[int, list[int]] = {}
        for d, t in sorted(self.dscp_to_tc.items()):
            by_tc.setdefault(t, []).append(d)
        return tuple((t, tuple(ds)) for t, ds in sorted(by_tc.items()))

    @property
    def tcs(self) -> tuple[int, ...]:
        """Traffic classes in use (map targets, PFC and CNP priority), ascending."""
        return tuple(sorted(set(self.dscp_to_tc.values()) | {self.pfc_priority, self.cnp_priority}))

    @property
    def lossless_tcs(self) -> tuple[int, ...]:
        """Traffic classes with PFC (and ECN) on: the RoCE data class."""
        return (self.pfc_priority,)

    @property
    def strict_tcs(self) -> tuple[int, ...]:
        """Traffic classes served strict priority: the CNP class when ``cnp_strict``."""
        return (self.cnp_priority,) if self.cnp_strict else ()

    @property
    def ecn_priorities(self) -> tuple[int, ...]:
        """Host NIC priorities with ECN (roce_np / roce_rp) enabled."""
        return (self.roce_priority,)

    @property
    def pfc_vector(self) -> tuple[int, ...]:
        """PFC per IEEE 802.1p priority 0-7: 1 on ``pfc_priority``, else 0."""
        return tuple(int(p == self.pfc_priority) for p in range(8))

    @property
    def ecn_min_bytes(self) -> int:
        return self.ecn_min_kbytes * 1024

    @property
    def ecn_max_bytes(self) -> int:
        return self.ecn_max_kbytes * 1024


class MgmtService(_Model):
    name: str = Field(description="ssh, snmp")
    transport: Literal["tcp", "udp"]
    ip_protocol: int = Field(description="IP protocol number (6 tcp, 17 udp)")
    port: int


class MgmtAclRule(_Model):
    """Accept ``service`` only from ``source``; everything else to it is dropped."""

    service: MgmtService
    source: str = Field(description="prefix allowed to reach the service")
    priority: int = Field(description="ordering: the first rule has the highest number")


class RdmaPolicy(_Model):
    """Host RDMA settings the design decides once (NCCL, RDMA-CM, NIC traffic class)."""

    gid_index: int = Field(description="GID table index of RoCE v2 over the port's IPv4 address (NCCL_IB_GID_INDEX)")
    ib_port: int = Field(description="port number of a single-port RDMA device")
    traffic_class: int = Field(
        description="IPv4 ToS byte of RoCE traffic: DSCP << 2 | ECT(0); one value for NCCL_IB_TC, "
        "cma_roce_tos and the device's traffic_class"
    )
    service_level: int = Field(description="NCCL_IB_SL: the RoCE priority")


class PlaneInfo(_Model):
    name: Plane
    kind: str = Field(description="roce, infiniband or ethernet")
    switch_mtu: int
    host_mtu: int
    tiers: int = 2
    underlay: Literal["unnumbered", "numbered", "none"] = "unnumbered"
    converged_with: str | None = None


class PoolUsage(_Model):
    plane: str
    purpose: str
    prefix: str
    size: int
    used: int


class FailureCase(_Model):
    """What one failure (a server, a leaf, a leaf pair, a rack) does to a storage cluster."""

    scenario: Literal["server", "leaf", "leaf-pair", "rack"]
    what: str = Field(description="the failed thing: server, leaf, 'leaf1+leaf2' or rack name")
    lost_hosts: list[str] = Field(description="storage hosts cut off from the storage plane")
    quorum: bool = Field(description="Ceph: monitors keep quorum; MinIO: every pool keeps write quorum")
    available: bool = Field(description="Ceph: every pool's PGs stay active; MinIO: every pool stays readable")
    detail: list[str] = Field(default_factory=list, description="per pool/monitor explanation, worst case")

    @property
    def survives(self) -> bool:
        return self.quorum and self.available


class CephPool(_Model):
    name: str
    type: Literal["replicated", "erasure"]
    size: int = Field(description="replicas, or k+m chunks for erasure pools")
    min_size: int = Field(description="copies/chunks a PG needs to serve I/O")
    k: int | None = None
    m: int | None = None
    pg_num: int
    application: str
    failure_domain: Literal["host", "rack"]
    device_class: str | None = None
    crush_rule: str = Field(description="CRUSH rule name the pool uses")
    ec_profile: str | None = Field(default=None, description="erasure-code profile name (erasure pools)")
    usable_bytes: int = Field(default=0, description="raw capacity x this pool's efficiency (if it held all data)")
    origin: Literal["spec", "rgw"] = Field(
        default="spec", description="spec: declared in the spec; rgw: a pool the gateways use, declared by the design"
    )


class CephOsd(_Model):
    id: int = Field(description="OSD id, stable: host order then drive order")
    host: str
    device: str
    device_class: str
    rack: str


class CephDaemon(_Model):
    """A mon, mgr, mds or rgw instance: ``name`` is the Ceph id (``mon.<name>``, ``client.rgw.<name>``)."""

    name: str
    host: str
    address: str = Field(description="storage-plane address it binds (no prefix)")
    port: int | None = Field(default=None, description="rgw: beast port")

    @property
    def endpoint(self) -> str:
        return f"{self.address}:{self.port}" if self.port else self.address


class CephFs(_Model):
    name: str
    metadata_pool: str
    data_pool: str


class CephCluster(_Model):
    name: str
    fsid: str
    public_network: str = Field(description="storage-plane prefix the daemons bind to")
    cluster_network: str | None = Field(default=None, description="replication network (None: public network)")
    mons: dict[str, str] = Field(description="host -> address")
    mgrs: list[str]
    osds: dict[str, list[str]] = Field(description="host -> drives")
    osd_list: list[CephOsd] = Field(default_factory=list, description="every OSD with its id")
    osds_per_device: int = 1
    device_class: str = "nvme"
    rgws: dict[str, str] = Field(description="rgw name -> address:port endpoint")
    rgw_daemons: list[CephDaemon] = Field(default_factory=list)
    mdss: list[CephDaemon] = Field(default_factory=list)
    filesystems: list[CephFs] = Field(default_factory=list)
    failure_domain: str
    pools: list[CephPool] = Field(description="every pool, created before any daemon that uses it starts")
    default_size: int = Field(default=3, description="size of pools Ceph creates itself (osd pool default size)")
    default_min_size: int = Field(default=2, description="min_size of pools Ceph creates itself")
    rgw_zone: str = Field(default="default", description="RGW zone the gateways serve (its pools: <zone>.rgw.*)")
    host_racks: dict[str, str]
    host_leaves: dict[str, list[str]] = Field(
        default_factory=dict, description="host -> leaves its storage ports hang from"
    )
    survives: list[str] = Field(default_factory=list, description="scenarios the spec requires it to survive")
    failures: list[FailureCase] = Field(default_factory=list, description="what each single failure does")
    clients: list[str] = Field(default_factory=list, description="servers that mount/use it over the storage plane")
    raw_bytes: int = Field(default=0, description="raw capacity (drives x drive size) in bytes")

    @property
    def mon_hosts(self) -> str:
        """``mon host`` of ceph.conf: every monitor address, design order."""
        return ",".join(self.mons.values())


class MinioSet(_Model):
    index: int
    drives: list[str] = Field(description="server:drive of every drive of the set, MinIO's order")


class MinioPool(_Model):
    servers: list[str]
    drives_per_server: int
    endpoints: list[str] = Field(description="server URLs with drive ellipsis, in pool order")
    volume: str = Field(default="", description="the pool as one MINIO_VOLUMES ellipsis expression")
    set_size: int = Field(default=0, description="drives per erasure set (MinIO's choice or the spec's)")
    sets: int = Field(default=0, description="erasure sets in the pool")
    parity: int = Field(default=0)
    write_quorum: int = Field(default=0, description="drives of a set that must be up to write")
    read_quorum: int = Field(default=0, description="drives of a set that must be up to read")
    drives_tolerated: int = Field(default=0, description="drives a set may lose and still write")
    servers_tolerated: int = Field(default=0, description="servers the pool may lose and still write")
    raw_bytes: int = 0
    usable_bytes: int = 0
    erasure_sets: list[MinioSet] = Field(default_factory=list)


class MinioCluster(_Model):
    name: str
    erasure_set_size: int = Field(description="set size of the first pool")
    set_size_from_spec: bool = Field(default=False, description="the spec fixes the set size (MinIO's env var)")
    parity: int = Field(description="EC:N parity of the STANDARD storage class")
    port: int
    console_port: int = 9001
    drive_path: str = Field(default="/data/disk", description="drive mount points: <drive_path>1 ... <drive_path>N")
    pools: list[MinioPool]
    addresses: dict[str, str]
    volumes: str = Field(default="", description="MINIO_VOLUMES: one expression per pool, space separated")
    host_leaves: dict[str, list[str]] = Field(default_factory=dict)
    survives: list[str] = Field(default_factory=list)
    failures: list[FailureCase] = Field(default_factory=list)
    clients: list[str] = Field(default_factory=list, description="servers that use it over the storage plane")
    raw_bytes: int = 0
    usable_bytes: int = 0


class Site(_Model):
    domain: str
    timezone: str
    ntp: list[str]
    dns: list[str]
    syslog: list[str]
    oob_prefix: str | None = Field(default=None, description="OOB management prefix (None: no OOB network)")
    oob_gateway: str | None = None
    controller_address: str | None = Field(default=None, description="OOB address aidc uses to reach devices (lab)")
    oob_vlan: int = Field(default=2, description="VLAN of the OOB L2 domain on the management switches")


class IbMember(_Model):
    device: str
    port: str = Field(description="HCA port name on the server (Port.name)")
    guid: str = Field(description="port GUID, 0x + 16 hex digits")
    membership: Literal["full", "limited"] = "full"


class IbPartition(_Model):
    name: str
    pkey: int = Field(description="15-bit partition key (0x7fff is the default partition)")
    ipoib: bool = True
    default: bool = Field(default=False, description="the default partition: every port, ALL=full")
    members: list[IbMember] = Field(default_factory=list)


class SubnetManager(_Model):
    device: str = Field(description="server or switch running opensm")
    port: str | None = Field(default=None, description="HCA port it binds to (servers)")
    guid: str = Field(description="GUID opensm binds to (-g): HCA port GUID or switch node GUID")
    priority: int
    role: Literal["master", "standby"]


class IbNode(_Model):
    device: str
    port: str | None = Field(default=None, description="servers: the compute port of this HCA")
    kind: Literal["switch", "hca"]
    node_guid: str
    port_guid: str = Field(description="switch: port 0 GUID (= node GUID); HCA: GUID of port 1")
    ports: int = Field(description="number of physical ports")
    description: str = Field(description="NodeDescription: '<server> <rdma device>' or the switch name")
    source: Literal["derived", "guids.yaml"]


class InfinibandFabric(_Model):
    """InfiniBand compute plane decisions (see toolkit/design/infiniband.py)."""

    routing_engine: str
    lmc: int
    qos: bool
    compute_sl: int
    compute_vl: int = Field(description="VL the compute SL maps to")
    adaptive_routing: bool
    mtu: int = Field(description="IB MTU in bytes of the IPoIB broadcast groups (2048 or 4096)")
    mtu_code: int = Field(default=5, description="the same as the IBTA code partitions.conf takes (4: 2048, 5: 4096)")
    rate_gbps: int = Field(description="designed per-port rate of the HCA links")
    ipoib_mode: str | None = None
    nodes: dict[str, IbNode] = Field(description="by key: switch name or <server>:<port>")
    port_numbers: dict[str, dict[str, int]] = Field(
        description="switch -> native port name -> IB port number (1-based, cage order)"
    )
    subnet_managers: list[SubnetManager]
    partitions: list[IbPartition]
    root_guids: list[str] = Field(description="ftree roots: node GUIDs of the top tier")
    cn_guids: list[str] = Field(description="ftree compute nodes: HCA port GUIDs")
    ipoib: dict[str, str] = Field(default_factory=dict, description="<server>:<port> -> IPoIB address/len")


class TopologyUnit(_Model):
    """A job-level placement unit: a leaf group (the rail leaves sharing a set of servers), an SU,
    a pod, or the whole compute fabric."""

    name: str
    level: Literal["leaf-group", "su", "pod", "fabric"]
    switches: list[str] = Field(description="physical switches this unit stands for")
    children: list[str] = Field(default_factory=list, description="units one level down")
    servers: list[str] = Field(description="GPU servers under the unit, design order")


class RailNetwork(_Model):
    rail: int
    name: str = Field(description="NetworkAttachmentDefinition / SriovNetworkNodePolicy name")
    resource: str = Field(description="SR-IOV device plugin resource name (no prefix)")
    nic: str = Field(description="NIC (port name) carrying the rail on every server")
    rdma_device: str
    link_type: Literal["eth", "ib"]
    mtu: int
    ipam_range: str | None = Field(default=None, description="pod address range (prefix)")
    range_start: str | None = None
    range_end: str | None = None
    gateway: str | None = None


class SchedulerPlan(_Model):
    label_prefix: str
    namespace: str
    operator_namespace: str
    vfs_per_nic: int
    units: list[TopologyUnit]
    node_labels: dict[str, dict[str, str]] = Field(description="server -> Kubernetes node labels")
    rails: list[RailNetwork]


class NcclNet(_Model):
    """A compute NIC port in the NCCL topology file."""

    port: str = Field(description="Port.name on the server")
    rail: int
    rdma_device: str = Field(description="Port.rdma_device (the name NCCL_IB_HCA lists)")
    bus: str = Field(description="PCI address of the port's function")
    speed_mbps: int = Field(description="port speed in Mbit/s (NCCL's unit)")


class NcclGpu(_Model):
    index: int = Field(description="GPU number (CUDA device in PCI bus order)")
    bus: str
    rails: list[int] = Field(description="rails whose NIC is paired with this GPU (Port.gpu)")


class PcieSwitch(_Model):
    bus: str = Field(description="PCI address naming the switch (catalogue)")
    gpus: list[NcclGpu]
    nics: list[NcclNet]


class NcclCpu(_Model):
    numa: int
    switches: list[PcieSwitch]


class NcclTopology(_Model):
    """NCCL's view of one GPU server model (NCCL_TOPO_FILE), from the catalogue's PCIe layout."""

    model: str
    path: str = Field(description="where the file is installed on each server of the model (NCCL_TOPO_FILE)")
    link_speed: str = Field(description="PCIe link speed in sysfs / NCCL spelling, e.g. '32.0 GT/s PCIe'")
    link_width: int
    nic_class: str = Field(description="PCI class of the compute NICs: 0x020700 InfiniBand, 0x020000 Ethernet")
    gpu_sm: int | None = None
    ib_port: int = Field(description="RDMA port of each device (Fabric.rdma.ib_port, as in NCCL_IB_HCA)")
    cpus: list[NcclCpu] = Field(description="NUMA nodes in order, their PCIe switches in bus order")


class Fabric(_Model):
    """The whole designed datacentre."""

    name: str
    site: Site
    planes: dict[str, PlaneInfo]
    qos: QosProfile
    devices: dict[str, Device] = Field(description="by name, in design order")
    cables: list[Cable]
    tenants: list[Tenant] = Field(default_factory=list)
    segments: list[Tenant] = Field(
        default_factory=list,
        description="dual-homed storage: one L2 segment per storage leaf group (default VRF, vrf empty, "
        "toolkit.design.segments)",
    )
    ceph: list[CephCluster] = Field(default_factory=list)
    minio: list[MinioCluster] = Field(default_factory=list)
    pools: list[PoolUsage] = Field(default_factory=list)
    sus: list[str] = Field(default_factory=list)
    skus: dict[str, Sku] = Field(
        default_factory=dict, description="SONiC switch model -> its SKU (HwSKU, platform, port layout)"
    )
    racks: list[RackPlan] = Field(default_factory=list, description="racks in layout order with their elevation")
    infiniband: InfinibandFabric | None = Field(default=None, description="InfiniBand compute plane")
    scheduler: SchedulerPlan | None = Field(default=None, description="Slurm / Kubernetes topology view")
    mgmt_acl: list[MgmtAclRule] = Field(default_factory=list, description="management services and their sources")
    rdma: RdmaPolicy | None = Field(default=None, description="host RDMA policy (RoCE compute plane)")
    border: BorderPlan | None = Field(default=None, description="border leaves and external routers")
    nccl: dict[str, NcclTopology] = Field(
        default_factory=dict, description="GPU server model -> its NCCL topology (models with a full PCIe layout)"
    )

    def switches(self) -> list[Device]:
        return [d for d in self.devices.values() if d.is_switch]

    def servers(self) -> list[Device]:
        return [d for d in self.devices.values() if d.is_server]

    def by_role(self, *roles: str) -> list[Device]:
        return [d for d in self.devices.values() if d.role in roles]


class PortIndex:
    """(device, port name) -> Port of a designed Fabric, each looked up in a dict (``Device.port``
    scans the device's ports: per link of a 512-port spine that is quadratic). Built whole; the
    Fabric is frozen after design. The rules share one per run (``toolkit.rules.fabric``)."""

    def __init__(self, fabric: Fabric):
        self.fabric = fabric
        self.by_device: dict[str, dict[str, Port]] = {
            name: {p.name: p for p in dev.ports} for name, dev in fabric.devices.items()
        }

    def port(self, device: str, name: str) -> Port | None:
        ports = self.by_device.get(device)
        return ports.get(name) if ports is not None else None

    def peer(self, port: Port) -> Port | None:
        """The far end of a cabled port (None when it is not cabled to a port of the Fabric)."""
        if not port.peer_device or not port.peer_port:
            return None
        return self.port(port.peer_device, port.peer_port)
