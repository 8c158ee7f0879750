"""NCCL topology files (``scheduler/nccl/<model>.xml``) against the Fabric and the catalogue.

NCCL itself cannot load a topology file here: ``ncclCommInitRank`` needs a CUDA GPU, which no
machine of this project has. So the files are checked twice by our own means: as XML
(``xml.etree``) against the Fabric and the spec's catalogue (every rail's NIC under its GPU's PCIe
switch, addresses unique and well-formed, names equal to ``NCCL_IB_HCA``), and against the rules
of NCCL's own reader (``src/graph/xml.cc`` / ``topo.cc`` of NVIDIA/nccl: one space between
attributes, no tabs, no space before ``/>``, the attributes ``ncclTopoAddPci`` / ``ncclTopoAddCpu``
require, link speeds NCCL's table knows).
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.scheduler.conftest import EXAMPLE_NAMES, fabric_of, rendered
from toolkit.design import design
from toolkit.design.model import Device, Fabric
from toolkit.render import hosts
from toolkit.render.core import environment
from toolkit.rules import validate
from toolkit.spec import load
from toolkit.spec.loader import load_or_raise

BUSID = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$")
# kvDictPciGen of NCCL's topo.cc (the spellings it converts; anything else fails the load)
NCCL_PCI_GEN = {"2.5 GT/s", "5 GT/s", "8 GT/s", "16 GT/s", "32 GT/s", "2.5 GT/s PCIe", "5.0 GT/s PCIe",
                "8.0 GT/s PCIe", "16.0 GT/s PCIe", "32.0 GT/s PCIe", "64.0 GT/s PCIe"}
# element -> the sub-elements NCCL's loader handles under it (xml.cc ncclTopoXmlLoad*)
NCCL_CHILDREN = {"system": {"cpu"}, "cpu": {"pci", "nic"}, "pci": {"pci", "gpu", "nic", "pcilink"},
                 "nic": {"net"}, "gpu": {"nvlink", "c2c"}, "net": set()}
_TAG = re.compile(r"<(/?)([A-Za-z!?-][^ >/]*)((?: [a-z_]+=\"[^\"]*\")*)(/?)>")


def nccl_reader_problems(text: str) -> list[str]:
    """What NCCL's hand-written XML reader would trip over (see the module docstring)."""
    problems = []
    if "\t" in text:
        problems.append("tab character (NCCL only skips spaces and newlines)")
    body = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    if "--" in re.sub(r"<!--|-->", "", "".join(re.findall(r"<!--.*?-->", text, flags=re.S))):
        problems.append("'--' inside a comment")
    pos = 0
    for m in re.finditer(r"<[^>]*>", body):
        gap = body[pos:m.start()]
        if gap.strip(" \n"):
            problems.append(f"text between elements: {gap.strip()!r}")
        pos = m.end()
        if not _TAG.fullmatch(m.group(0)):
            problems.append(f"tag NCCL cannot tokenize: {m.group(0)}")
    return problems


def nets_of(root: ET.Element) -> list[tuple[ET.Element, ET.Element, ET.Element]]:
    """(net, its NIC's pci, the switch pci above it) for every net element."""
    out = []
    for cpu in root.findall("cpu"):
        for sw in cpu.findall("pci"):
            for dev in sw.findall("pci"):
                for net in dev.findall("nic/net"):
                    out.append((net, dev, sw))
    return out


def gpus_of(root: ET.Element) -> dict[int, tuple[ET.Element, ET.Element, ET.Element]]:
    """GPU dev -> (its pci, the switch pci above it, the cpu)."""
    out = {}
    for cpu in root.findall("cpu"):
        for sw in cpu.findall("pci"):
            for dev in sw.findall("pci"):
                for gpu in dev.findall("gpu"):
                    out[int(gpu.get("dev", "-1"))] = (dev, sw, cpu)
    return out


def sample_server(fab: Fabric, model: str) -> Device:
    return next(d for d in fab.servers() if d.model == model)


def nccl_env(fab: Fabric, dev: Device) -> dict[str, str]:
    text = hosts.render_host(dev, fab, {"nccl.env": environment().get_template("host/nccl.env.j2")})["nccl.env"]
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_topology_pairs_every_rail_under_its_gpus_switch(example: str) -> None:
    fab = fabric_of(example)
    spec, _ = load_or_raise(EXAMPLES / example)
    out = rendered(example)
    gpu_models = {d.model for d in fab.servers() if d.gpus and any(p.plane == "compute" for p in d.ports)}
    files = {k.removeprefix("scheduler/nccl/").removesuffix(".xml"): v for k, v in out.items()
             if k.startswith("scheduler/nccl/")}
    assert set(files) == gpu_models, "every GPU server model of the bundled examples has a PCIe layout"
    for model, text in files.items():
        root = ET.fromstring(text)
        assert root.tag == "system" and root.get("version") == "1"
        m = spec.catalog.servers[model]
        dev = sample_server(fab, model)
        gpus = gpus_of(root)
        assert sorted(gpus) == list(range(m.gpus))
        for g, (pci, sw, cpu) in gpus.items():
            # the catalogue's address, switch and NUMA node of GPU g
            assert pci.get("busid") == m.gpu_pcie[g].bus and sw.get("busid") == m.gpu_pcie[g].switch
            assert cpu.get("numaid") == str(m.gpu_numa[g])
            assert pci.get("class", "").startswith("0x03") and sw.get("class") == "0x060400"
        nets = {n.get("name"): (n, pci, sw) for n, pci, sw in nets_of(root)}
        compute = [p for p in dev.ports if p.plane == "compute"]
        assert sorted(nets) == sorted(p.rdma_device for p in compute)
        nic_of = {n.name: n for n in m.nics}
        for p in compute:
            net, pci, sw = nets[p.rdma_device]
            assert p.gpu is not None
            _, gpu_sw, _ = gpus[p.gpu]
            assert sw is gpu_sw, f"{model}: {p.rdma_device} is not under GPU {p.gpu}'s PCIe switch"
            assert sw.get("busid") == nic_of[p.nic].pcie.switch  # type: ignore[index, union-attr]
            assert net.get("speed") == str(p.speed * 1000) and net.get("port") == str(fab.rdma.ib_port)  # type: ignore[union-attr]
            want_class = "0x020700" if fab.planes["compute"].kind == "infiniband" else "0x020000"
            assert pci.get("class") == want_class
        busids = [e.get("busid", "") for e in root.iter("pci")]
        assert len(busids) == len(set(busids)), f"{model}: a PCI address is used twice"
        assert all(BUSID.fullmatch(b) for b in busids), busids
        # the names NCCL_IB_HCA lists on a server of the model, and the file NCCL_TOPO_FILE names
        env = nccl_env(fab, dev)
        hca = {h.split(":")[0] for h in env["NCCL_IB_HCA"].lstrip("=").split(",")}
        assert hca == set(nets), dev.name
        assert env["NCCL_TOPO_FILE"] == fab.nccl[model].path


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_topology_obeys_nccls_reader(example: str) -> None:
    for key, text in rendered(example).items():
        if not key.startswith("scheduler/nccl/"):
            continue
        assert nccl_reader_problems(text) == [], key
        root = ET.fromstring(text)
        for el in root.iter():
            allowed = NCCL_CHILDREN[el.tag]
            assert all(c.tag in allowed for c in el), (key, el.tag, [c.tag for c in el])
        for cpu in root.iter("cpu"):
            assert cpu.get("numaid", "").isdigit()
        for pci in root.iter("pci"):
            # ncclTopoAddPci: class, busid, link_width (int), link_speed (one of NCCL's spellings)
            assert pci.get("class", "").startswith("0x") and pci.get("link_width", "").isdigit()
            assert pci.get("link_speed") in NCCL_PCI_GEN, pci.attrib
        for gpu in root.iter("gpu"):
            assert all(gpu.get(a, "").isdigit() for a in ("dev", "rank", "gdr")), gpu.attrib
        for net in root.iter("net"):
            assert net.get("name") and all(net.get(a, "").isdigit() for a in ("dev", "speed", "port", "gdr"))


def test_reader_rules_catch_what_nccl_refuses() -> None:
    """The reader check is not vacuous: the spellings NCCL's tokenizer chokes on are reported."""
    good = '<system version="1">\n  <cpu numaid="0">\n  </cpu>\n</system>\n'
    assert nccl_reader_problems(good) == []
    assert nccl_reader_problems(good.replace("  <cpu", "\t<cpu"))
    assert nccl_reader_problems(good.replace('<system version="1">', '<system  version="1">'))
    assert nccl_reader_problems('<system version="1">\n<net name="x" />\n</system>\n')
    assert nccl_reader_problems('<system version="1">text</system>')


def _strip_pcie(d: dict[str, Any]) -> None:
    m = d["catalog"]["servers"]["gpu-2x"]
    m.pop("gpu_pcie")
    for n in m["nics"]:
        n.pop("pcie", None)


def test_model_without_pcie_layout_falls_back(lab_mini_data: dict[str, Any],
                                              write_spec: Callable[[dict[str, Any]], Path]) -> None:
    """No PCIe layout: no topology file, NCCL_TOPO_FILE unset with the reason, a PCI004 warning."""
    data = copy.deepcopy(lab_mini_data)
    _strip_pcie(data)
    res = load(write_spec(data))
    assert res.spec is not None
    findings = validate(res.spec, res.sources)
    assert [f.code for f in findings] == ["PCI004"] and findings[0].severity == "warning"
    assert findings[0].line and findings[0].yaml_path == "catalog.servers.gpu-2x"
    fab = design(res.spec)
    assert fab.nccl == {}
    gpu = next(d for d in fab.servers() if d.gpus)
    text = hosts.render_host(gpu, fab, {"nccl.env": environment().get_template("host/nccl.env.j2")})["nccl.env"]
    assert "NCCL_TOPO_FILE=" not in text and "# NCCL_TOPO_FILE not set: the catalogue gives no PCIe layout" in text
