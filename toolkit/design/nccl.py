"""NCCL topology per GPU server model (``NCCL_TOPO_FILE``), from the catalogue's PCIe layout.

NCCL discovers the PCIe tree of a server at start-up; a topology file given by ``NCCL_TOPO_FILE``
is loaded first and what it lacks is filled in from the host (sysfs, NVML, cpuid). aidc knows the
GPU↔NIC pairing before installation, so it states it: per server model, each NUMA node (a
``<cpu>``) with its PCIe switches, under each switch its GPUs and the compute NIC ports of the
rails paired with them (``Port.gpu``), each port named by its ``Port.rdma_device`` (the name
``NCCL_IB_HCA`` lists) at the PCI address the catalogue gives.

Decisions made here:

- a model gets a topology only when its PCIe layout is complete: ``gpu_pcie`` for every GPU,
  ``gpu_numa``, and ``pcie`` on every compute NIC. Without any of it the model gets none and NCCL
  detects the tree itself (``nccl.env`` says so); a partial layout is a validate finding (PCI001).
- a NIC sits under the switch the catalogue puts it under; validation (PCI002) proves that is the
  switch of its GPU, so the file never pairs a GPU with a NIC behind another switch.
- port ``p`` of a multi-port NIC is PCI function ``p`` of the NIC's address (ConnectX ports are
  functions of one device).
- link: PCIe ``pcie_gen`` x16 for switches, GPUs and NICs; NIC class 0x020700 (InfiniBand
  controller) on an InfiniBand compute plane, else 0x020000 (Ethernet, RoCE).
- CPU affinity, architecture and vendor are not in the catalogue: the file leaves them out and
  NCCL reads them from the host.
- installed at ``NCCL_TOPO_PATH`` on every server of the model; the server's NCCL environment
  (``nccl.env``) is installed as ``NCCL_CONF_PATH``, the system-wide file NCCL itself reads at
  initialisation (values in a job's own environment still win: NCCL never overwrites a variable
  that is set).
"""

from __future__ import annotations

from toolkit.design.model import Device, Fabric, NcclCpu, NcclGpu, NcclNet, NcclTopology, PcieSwitch
from toolkit.spec.models import ClusterSpec, ServerModel

NCCL_TOPO_PATH = "/etc/aidc/nccl-topo.xml"
NCCL_CONF_PATH = "/etc/nccl.conf"
"""NCCL reads this file at initialisation (``KEY=VALUE`` lines, ``#`` comments) without overwriting set variables."""
PCIE_LINK_WIDTH = 16
PCIE_GT_S = {3: "8.0", 4: "16.0", 5: "32.0", 6: "64.0"}
"""Transfer rate per lane of each PCIe generation (sysfs ``max_link_speed`` spelling)."""
PCI_CLASS_IB = "0x020700"
PCI_CLASS_ETHERNET = "0x020000"


def layout_complete(m: ServerModel) -> bool:
    """``m`` has every PCIe datum the topology file needs."""
    compute = [n for n in m.nics if n.role == "compute"]
    return (
        m.gpus > 0
        and len(m.gpu_pcie) == m.gpus
        and len(m.gpu_numa) == m.gpus
        and bool(compute)
        and all(n.pcie is not None for n in compute)
    )


def layout_given(m: ServerModel) -> bool:
    """``m`` carries some PCIe data (so a partial layout is a mistake, not a choice)."""
    return bool(m.gpu_pcie) or any(n.pcie is not None for n in m.nics if n.role == "compute")


def function_of(bus: str, port: int) -> str:
    """PCI address of port ``port`` of a NIC at ``bus`` (its function ``port``)."""
    return f"{bus[:-1]}{int(bus[-1]) + port}"


def _topology(model: str, m: ServerModel, dev: Device, fabric: Fabric) -> NcclTopology:
    nic_of = {n.name: n for n in m.nics}
    ports_of: dict[str, list[str]] = {}
    for p in dev.ports:
        if p.nic:
            ports_of.setdefault(p.nic, []).append(p.name)
    switches: dict[str, tuple[int, list[NcclGpu], list[NcclNet]]] = {}
    rails_of: dict[int, list[int]] = {}
    nets: list[tuple[str, int, NcclNet]] = []
    for p in dev.ports:
        if p.plane != "compute" or p.rail is None or p.nic is None or not p.rdma_device:
            continue
        nic = nic_of[p.nic]
        assert nic.pcie is not None  # layout_complete
        if p.gpu is not None:
            rails_of.setdefault(p.gpu, []).append(p.rail)
        numa = nic.numa if nic.numa is not None else m.gpu_numa[nic.gpu] if nic.gpu is not None else 0
        net = NcclNet(
            port=p.name,
            rail=p.rail,
            rdma_device=p.rdma_device,
            bus=function_of(nic.pcie.bus, ports_of[p.nic].index(p.name)),
            speed_mbps=p.speed * 1000,
        )
        nets.append((nic.pcie.switch, numa, net))
    for g, slot in enumerate(m.gpu_pcie):
        entry = switches.setdefault(slot.switch, (m.gpu_numa[g], [], []))
        entry[1].append(NcclGpu(index=g, bus=slot.bus, rails=sorted(rails_of.get(g, []))))
    for switch, numa, net in nets:
        switches.setdefault(switch, (numa, [], []))[2].append(net)
    by_numa: dict[int, list[PcieSwitch]] = {}
    for bus in sorted(switches):
        numa, gpus, nics = switches[bus]
        by_numa.setdefault(numa, []).append(
            PcieSwitch(bus=bus, gpus=sorted(gpus, key=lambda x: x.bus), nics=sorted(nics, key=lambda x: x.bus))
        )
    ib = fabric.planes["compute"].kind == "infiniband"
    return NcclTopology(
        model=model,
        path=NCCL_TOPO_PATH,
        link_speed=f"{PCIE_GT_S[m.pcie_gen]} GT/s PCIe",
        link_width=PCIE_LINK_WIDTH,
        nic_class=PCI_CLASS_IB if ib else PCI_CLASS_ETHERNET,
        gpu_sm=m.gpu_sm,
        ib_port=fabric.rdma.ib_port if fabric.rdma else 1,
        cpus=[NcclCpu(numa=n, switches=by_numa[n]) for n in sorted(by_numa)],
    )


def build_nccl(spec: ClusterSpec, fabric: Fabric) -> dict[str, NcclTopology]:
    """Server model -> its NCCL topology, for GPU server models with a complete PCIe layout."""
    if "compute" not in fabric.planes:
        return {}
    first: dict[str, Device] = {}
    for dev in fabric.servers():
        if dev.gpus and any(p.plane == "compute" and p.rdma_device for p in dev.ports):
            first.setdefault(dev.model, dev)
    out: dict[str, NcclTopology] = {}
    for model, dev in first.items():
        m = spec.catalog.servers.get(model)
        if m is not None and layout_complete(m):
            out[model] = _topology(model, m, dev, fabric)
    return out
