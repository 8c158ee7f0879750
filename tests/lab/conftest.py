"""Fixtures for the lab tests: a hand-made Fabric and a session-wide running lab."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from toolkit.design.model import Cable, Device, Fabric, PlaneInfo, Port, QosProfile, Site

FabricFactory = Callable[..., Fabric]


def _why_no_lab() -> str | None:
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces)"
    for prog in ("/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "/usr/lib/frr/frr-reload.py", "/usr/sbin/sshd"):
        if not Path(prog).exists():
            return f"lab tests need {prog} (Debian packages frr, frr-pythontools, openssh-server)"
    for prog in ("lldpd", "lldpcli", "vtysh", "ip", "unshare", "ssh"):
        if shutil.which(prog) is None:
            return f"lab tests need {prog} on PATH"
    if not Path("/run/netns").exists() and not os.access("/run", os.W_OK):
        return "cannot create network namespaces"
    return None


NO_LAB = _why_no_lab()


def build_fabric(
    name: str,
    *,
    oob_octet: int = 0,
    leaves: int = 2,
    spines: int = 1,
    servers_per_leaf: int = 1,
    with_oob_switch: bool = True,
) -> Fabric:
    """A small rail-less leaf/spine: servers -> leaves -> spines, plus an OOB switch and a PDU
    (which the lab must not instantiate). OOB prefix 198.18.<oob_octet>.0/24, controller .1."""
    prefix = f"198.18.{oob_octet}"
    devices: dict[str, Device] = {}
    cables: list[Cable] = []
    host = 10

    def mgmt_port(ifname: str) -> Port:
        return Port(name=ifname, ifname=ifname, plane="oob", role="mgmt", speed=1, mtu=1500)

    def add(name: str, role: str, plane: str, index: int, ports: list[Port], su: str | None = None) -> Device:
        nonlocal host
        is_switch = role not in ("server", "gpu-server", "storage-server")
        mgmt = "eth0" if is_switch else "eno1"
        dev = Device(
            name=name,
            role=role,  # type: ignore[arg-type]
            plane=plane,  # type: ignore[arg-type]
            model="lab",
            platform="frr" if is_switch else "linux",
            rack=f"r{index}",
            su=su,
            index=index,
            asn=65000 + host if is_switch else None,
            loopback=f"10.255.0.{host}/32" if is_switch else None,
            mgmt_port=mgmt,
            mgmt_address=f"{prefix}.{host}/24",
            mgmt_gateway=f"{prefix}.254",
            ports=[*ports, mgmt_port(mgmt)],
        )
        host += 1
        devices[name] = dev
        return dev

    def sw_port(i: int, role: str, peer: str, peer_port: str) -> Port:
        return Port(
            name=f"swp{i}",
            ifname=f"swp{i}",
            plane="compute",
            role=role,  # type: ignore[arg-type]
            speed=400,
            mtu=9216,
            peer_device=peer,
            peer_port=peer_port,
            unnumbered=True,
        )

    def cable(a: str, ap: str, b: str, bp: str, tier: str, plane: str = "compute") -> None:
        cables.append(
            Cable(
                a_device=a,
                a_port=ap,
                b_device=b,
                b_port=bp,
                plane=plane,  # type: ignore[arg-type]
                tier=tier,
                speed=400,
                medium="DAC",
                length_class="in-rack",
            )  # type: ignore[arg-type]
        )

    for s in range(spines):
        add(
            f"spine{s + 1}",
            "spine",
            "compute",
            s,
            [sw_port(lf + 1, "downlink", f"leaf{lf + 1}", f"swp{49 + s}") for lf in range(leaves)],
        )
    for lf in range(leaves):
        ports = [sw_port(49 + s, "uplink", f"spine{s + 1}", f"swp{lf + 1}") for s in range(spines)]
        ports += [
            sw_port(k + 1, "downlink", f"srv{lf * servers_per_leaf + k + 1}", "ens1f0")
            for k in range(servers_per_leaf)
        ]
        add(f"leaf{lf + 1}", "leaf", "compute", lf, ports, su="su1")
        for s in range(spines):
            cable(f"leaf{lf + 1}", f"swp{49 + s}", f"spine{s + 1}", f"swp{lf + 1}", "leaf-spine")
    for lf in range(leaves):
        for k in range(servers_per_leaf):
            n = lf * servers_per_leaf + k + 1
            p = Port(
                name="ens1f0",
                ifname="ens1f0",
                plane="compute",
                role="host",
                speed=400,
                mtu=9000,
                nic="nic0",
                rail=0,
                gpu=0,
                peer_device=f"leaf{lf + 1}",
                peer_port=f"swp{k + 1}",
            )
            add(f"srv{n}", "gpu-server", "compute", n - 1, [p], su="su1")
            cable(f"srv{n}", "ens1f0", f"leaf{lf + 1}", f"swp{k + 1}", "server-leaf")
    if with_oob_switch:
        oob_ports = [
            Port(name=f"ge{i + 1}", ifname=f"ge{i + 1}", plane="oob", role="oob-access", speed=1, mtu=1500)
            for i in range(len(devices))
        ]
        names = list(devices)
        add("oob1", "oob", "oob", 0, oob_ports)
        add("pdu1", "pdu", "oob", 0, [])
        for i, dn in enumerate(names):
            cable(dn, devices[dn].mgmt_port or "", "oob1", f"ge{i + 1}", "oob", plane="oob")
    return Fabric(
        name=name,
        site=Site(
            domain="lab.example",
            timezone="UTC",
            ntp=[],
            dns=[],
            syslog=[],
            oob_prefix=f"{prefix}.0/24",
            oob_gateway=f"{prefix}.254",
            controller_address=f"{prefix}.1",
        ),
        planes={
            "compute": PlaneInfo(name="compute", kind="roce", switch_mtu=9216, host_mtu=9000),
            "oob": PlaneInfo(name="oob", kind="ethernet", switch_mtu=1500, host_mtu=1500, underlay="none"),
        },
        qos=QosProfile(
            pfc_priority=3,
            roce_dscp=26,
            roce_priority=3,
            cnp_dscp=48,
            cnp_priority=6,
            ecn_min_kbytes=150,
            ecn_max_kbytes=1500,
            ecn_probability=100,
            dscp_to_tc={26: 3, 48: 6},
        ),
        devices=devices,
        cables=cables,
        sus=["su1"],
    )


@pytest.fixture
def make_fabric() -> FabricFactory:
    return build_fabric


def unique_cluster(prefix: str = "lt") -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def free_oob_octet() -> int:
    """A 198.18.X.0/24 not routed in the root namespace (so parallel runs do not collide)."""
    import subprocess

    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    for _ in range(200):
        octet = uuid.uuid4().int % 250 + 1
        if f"198.18.{octet}." not in routes:
            return octet
    raise RuntimeError("no free 198.18.X.0/24")


@pytest.fixture
def require_lab() -> None:
    if NO_LAB:
        pytest.skip(NO_LAB)


@pytest.fixture
def fresh_fabric() -> FabricFactory:
    """Builds the small fabric with a unique cluster name and a free OOB /24."""

    def make(prefix: str = "lt", **kwargs: int | bool) -> Fabric:
        return build_fabric(unique_cluster(prefix), oob_octet=free_oob_octet(), **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def lab_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("labstate")


@pytest.fixture(scope="session")
def running_lab(lab_state_dir: Path) -> Iterator[tuple[Fabric, Path, object]]:
    """One small lab for the whole session; always taken down."""
    if NO_LAB:
        pytest.skip(NO_LAB)
    from toolkit.lab import lab_down, lab_up

    fabric = build_fabric(unique_cluster(), oob_octet=free_oob_octet())
    try:
        state = lab_up(fabric, lab_state_dir)
        yield fabric, lab_state_dir, state
    finally:
        lab_down(fabric.name, lab_state_dir)
