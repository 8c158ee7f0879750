"""Documents (docs/): read back and compared with the Fabric and toolkit.bom.

Every expectation is computed from the Fabric (or ``toolkit.bom``), never from rendered text:
the files are parsed (csv module, markdown tables, the SVG as XML) and their facts compared.
The ``check_*`` functions raise AssertionError on a mismatch; ``test_mistakes_are_caught``
feeds them deliberately broken renders to show they notice.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from toolkit.bom import bom
from toolkit.design import design
from toolkit.design.model import Device, Fabric
from toolkit.render import docs, render
from toolkit.render.core import environment
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inventory" / "examples"
BIG = "cluster-16k"
SMALL = ["lab-mini", "superpod-1su"]
# the big example takes a few seconds to design and render: once per module, marked slow
ALL = [*SMALL, pytest.param(BIG, marks=pytest.mark.slow)]
DOT = shutil.which("dot")
SVG_NS = "{http://www.w3.org/2000/svg}"

Docs = dict[str, str]  # file name under docs/ -> text


@functools.cache
def fabric(example: str) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None
    fab = design(spec)
    gc.freeze()  # the Fabric lives for the module: keep it out of later full collections
    return fab


def render_docs(fab: Fabric) -> Docs:
    out = docs.render(fab, environment())
    assert all(k.startswith("docs/") for k in out)
    return {k.removeprefix("docs/"): v for k, v in out.items()}


@functools.cache
def rendered(example: str) -> Docs:
    return render_docs(fabric(example))


@pytest.fixture(scope="module", autouse=True)
def _drop_caches() -> Iterator[None]:
    """The caches hold the big example's Fabric and ~20 MB of text: free them with the module."""
    yield
    rendered.cache_clear()
    fabric.cache_clear()


def data_devices(fab: Fabric) -> list[Device]:
    """Switches and servers of the data planes (what the topology draws)."""
    return [d for d in fab.devices.values() if (d.is_switch or d.is_server) and d.plane != "oob"]


def data_cables(fab: Fabric) -> int:
    names = {d.name for d in data_devices(fab)}
    return sum(1 for c in fab.cables if c.plane != "oob" and c.a_device in names and c.b_device in names)


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert reader.fieldnames is not None
    return list(reader.fieldnames), rows


def md_sections(text: str) -> list[tuple[int, str, list[list[str]]]]:
    """Markdown headings (level, title) with the body rows of the tables under them."""
    out: list[tuple[int, str, list[list[str]]]] = []
    for line in text.splitlines():
        m = re.match(r"(#+) (.*)$", line)
        if m:
            out.append((len(m.group(1)), m.group(2).strip(), []))
            continue
        if not line.startswith("|") or not out:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            out[-1][2].pop()  # the line above was the header row
            continue
        out[-1][2].append(cells)
    return out


def md_table(text: str, heading: str) -> list[list[str]]:
    (rows,) = [rows for _, title, rows in md_sections(text) if title == heading]
    return rows


# --- checks ---------------------------------------------------------------------------------------


def check_cabling(fab: Fabric, files: Docs) -> None:
    header, rows = read_csv(files["cabling.csv"])
    assert header == list(docs.CABLING_HEADER)
    assert len(rows) == len(fab.cables), "one row per cable"
    Row = tuple[str, str, str, str, str, str, str, int, str, str, str, str, str, float]
    got: Counter[Row] = Counter(
        (r["cable_id"], r["a_device"], r["a_port"], r["b_device"], r["b_port"], r["plane"], r["tier"],
         int(r["speed_gbps"]), r["medium"], r["length_class"], r["a_rack"], r["b_rack"], r["a_u"] + "/" + r["b_u"],
         float(r["length_m"]))
        for r in rows
    )
    want: Counter[Row] = Counter(
        (c.id, c.a_device, c.a_port, c.b_device, c.b_port, c.plane, c.tier, c.speed, c.medium, c.length_class,
         fab.devices[c.a_device].rack, fab.devices[c.b_device].rack,
         f"{fab.devices[c.a_device].rack_u or ''}/{fab.devices[c.b_device].rack_u or ''}", c.length_m)
        for c in fab.cables
    )
    assert len({r["cable_id"] for r in rows}) == len(rows), "cable labels are unique"
    assert got == want, f"cables differ: missing {list(want - got)[:3]}, extra {list(got - want)[:3]}"
    # both ends are real ports of real devices
    ports = {(d.name, p.name) for d in fab.devices.values() for p in d.ports}
    for r in rows:
        for end in ((r["a_device"], r["a_port"]), (r["b_device"], r["b_port"])):
            assert end in ports, f"{end} is not a port of the Fabric"


def expected_addresses(fab: Fabric) -> tuple[Counter[tuple[str, str, str]], Counter[tuple[str, str]], Counter[str]]:
    """(device, interface, address) of loopbacks, ports and management; (leaf, address) of tenant
    anycast gateways; addresses of the site services."""
    ports: Counter[tuple[str, str, str]] = Counter()
    for d in fab.devices.values():
        if d.loopback:
            ports[(d.name, "lo", d.loopback)] += 1
        on_port = False
        for p in d.ports:
            if p.address:
                ports[(d.name, p.name, p.address)] += 1
                on_port = on_port or p.address == d.mgmt_address
        if d.mgmt_address and not on_port:
            ports[(d.name, d.mgmt_port or "", d.mgmt_address)] += 1
    gateways: Counter[tuple[str, str]] = Counter()
    for n in (n for t in fab.tenants for n in t.networks):
        for leaf in n.leaves:
            gateways[(leaf, f"{n.gateway}/{n.subnet.split('/')[1]}")] += 1
    s = fab.site
    site = Counter([s.oob_gateway, s.controller_address, *s.ntp, *s.dns, *s.syslog])
    return ports, gateways, site


def check_ip_plan(fab: Fabric, files: Docs) -> None:
    header, rows = read_csv(files["ip-plan.csv"])
    assert header == list(docs.IP_PLAN_HEADER)
    want_ports, want_gateways, want_site = expected_addresses(fab)
    got_ports: Counter[tuple[str, str, str]] = Counter()
    got_gateways: Counter[tuple[str, str]] = Counter()
    got_site: Counter[str] = Counter()
    for r in rows:
        if r["device"] == "site":
            got_site[r["address"]] += 1
        elif (r["device"], r["address"]) in want_gateways:
            got_gateways[(r["device"], r["address"])] += 1
        else:
            got_ports[(r["device"], r["port"], r["address"])] += 1
    assert got_ports == want_ports, (
        f"addresses differ: missing {list(want_ports - got_ports)[:3]}, extra {list(got_ports - want_ports)[:3]}"
    )
    assert got_gateways == want_gateways
    assert got_site == want_site
    keys = Counter((r["device"], r["port"]) for r in rows if r["device"] != "site")
    assert not [k for k, n in keys.items() if n > 1], "an interface is listed twice"
    # gateway and peer columns of the port rows
    ports = {(d.name, p.name, p.address): p for d in fab.devices.values() for p in d.ports if p.address}
    for r in rows:
        port = ports.get((r["device"], r["port"], r["address"]))
        if port is None:
            continue
        if port.gateway:
            assert r["gateway"] == port.gateway, (r["device"], r["port"])
        peer = f"{port.peer_device}:{port.peer_port}" if port.peer_device else ""
        assert r["peer"] == peer, (r["device"], r["port"])


def _num(cell: str) -> float:
    return float(cell.strip("*"))


def check_bom(fab: Fabric, files: Docs) -> None:
    text = files["bom.md"]
    b = bom(fab)
    planes: dict[str, dict[str, Any]] = {"compute": b, **{p: b[p] for p in ("business", "storage", "oob") if p in b}}
    # switches per plane, tier and model
    want_sw = {(plane, tier, model): n for plane, pb in planes.items() for tier, t in pb["tiers"].items()
               for model, n in t["models"].items() if n}
    got_sw = {(plane, tier, model): int(n) for plane, tier, model, n in md_table(text, "Switches")}
    assert got_sw == want_sw
    # servers per role and model
    servers = md_table(text, "Servers")
    by_model: Counter[str] = Counter()
    for _, model, n, _ in servers:
        by_model[model] += int(n)
    assert dict(by_model) == b["totals"]["server_models"]
    assert sum(int(g) for *_, g in servers) == b["gpus"]
    assert sum(int(n) for role, _, n, _ in servers if role == "gpu-server") == b["servers"]
    assert Counter({(role, model): int(n) for role, model, n, _ in servers}) == Counter(
        (d.role, d.model) for d in fab.servers())
    # cables per plane and tier, and per medium and speed
    cables = md_table(text, "Cables")
    per_tier: Counter[tuple[str, str]] = Counter()
    per_medium: Counter[tuple[str, str]] = Counter()
    for plane, tier, medium, speed, n in cables:
        per_tier[(plane, tier)] += int(n)
        per_medium[(plane, f"{medium} {speed}G")] += int(n)
    assert per_tier == Counter({(plane, tier): n for plane, pb in planes.items() for tier, n in pb["cables"].items()
                                if n})
    assert per_medium == Counter({(plane, k): n for plane, pb in planes.items() for k, n in pb["media"].items()})
    # transceivers
    optics = {(plane, kind): int(n) for plane, kind, n in md_table(text, "Transceivers")}
    assert optics == {(plane, k): n for plane, pb in planes.items() for k, n in pb["transceivers"].items()}
    # totals
    totals = {item: _num(n) for item, n in md_table(text, "Totals")}
    t = b["totals"]
    assert totals == {"GPUs": b["gpus"], "servers": t["servers"], "switches": t["switches"], "cables": t["cables"],
                      "physical cables": t["physical_cables"], "PDUs": t["pdus"],
                      "power (kW, nameplate)": t["power_kw"]}
    # breakout cables: one per split cage, and the physical count adds up
    brk = {(plane, kind): int(n) for plane, kind, n in md_table(text, "Breakout cables")}
    assert brk == {(plane, k): n for plane, pb in planes.items() for k, n in pb.get("breakouts", {}).items()}
    legs = sum(1 for c in fab.cables if c.group and c.medium in ("DAC", "AOC"))
    assert t["physical_cables"] == t["cables"] - legs + sum(brk.values())


def check_racks(fab: Fabric, files: Docs) -> None:
    racks: dict[str, list[list[str]]] = {}
    port_maps: dict[str, tuple[str, list[list[str]]]] = {}  # switch -> (rack heading above it, rows)
    current = ""
    for level, title, rows in md_sections(files["racks.md"]):
        if level == 2:
            assert title not in racks, f"rack {title} twice"
            racks[title] = rows
            current = title
        elif level == 3:
            assert title.endswith(" ports"), title
            name = title.removesuffix(" ports")
            assert name not in port_maps, f"port map of {name} twice"
            port_maps[name] = (current, rows)
    want: dict[str, list[Device]] = {}
    for d in fab.devices.values():
        want.setdefault(d.rack, []).append(d)
    assert set(racks) == set(want), "racks differ"
    for rack, devs in want.items():
        rows = racks[rack]
        assert rows[-1][0] == "**total**"
        assert int(_num(rows[-1][-1])) == sum(d.power_w for d in devs), rack
        assert int(_num(rows[-1][-2])) == sum(d.units for d in devs), rack
        got = sorted((r[1], r[2], r[3], int(r[4]), int(r[5])) for r in rows[:-1])
        assert got == sorted((d.name, d.role, d.model, d.units, d.power_w) for d in devs), rack
        # the elevation: top first, every device with a height at its unit, no two overlapping
        us = [(int(r[0]), int(r[4]), r[1]) for r in rows[:-1] if r[0] != "-"]
        assert [u for u, _, _ in us] == sorted((u for u, _, _ in us), reverse=True), rack
        assert {(u, n) for u, _, n in us} == {(d.rack_u, d.name) for d in devs if d.units}, rack
        taken: set[int] = set()
        for u, h, n in us:
            span = set(range(u, u + h))
            assert not span & taken, f"{n} overlaps in {rack}"
            taken |= span
    switches = [d for d in fab.devices.values() if d.is_switch]
    assert set(port_maps) == {d.name for d in switches}
    for d in switches:
        rack, rows = port_maps[d.name]
        assert rack == d.rack, f"{d.name}: port map under {rack}"
        assert [r[0] for r in rows] == [p.name for p in d.ports], d.name
        for r, p in zip(rows, d.ports, strict=True):
            if p.peer_device:
                assert r[1] == f"{p.peer_device}:{p.peer_port}", (d.name, p.name)
            assert (r[2], r[3]) == (p.plane, p.role), (d.name, p.name)


def svg_graph(text: str) -> tuple[set[str], list[tuple[str, list[str]]]]:
    """Node titles and (edge title, edge texts) of a graphviz SVG."""
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    nodes: set[str] = set()
    edges: list[tuple[str, list[str]]] = []
    for g in root.iter(f"{SVG_NS}g"):
        title = g.findtext(f"{SVG_NS}title")
        assert title is not None or g.get("class") not in ("node", "edge")
        if g.get("class") == "node":
            assert title not in nodes, f"node {title} twice"
            nodes.add(title or "")
        elif g.get("class") == "edge":
            edges.append((title or "", [t.text or "" for t in g.iter(f"{SVG_NS}text")]))
    return nodes, edges


def link_count(texts: list[str]) -> int:
    """Links an edge stands for: ``2 x 100G + 1 x 400G`` -> 3, no label -> 1."""
    label = " ".join(texts).strip()
    if not label:
        return 1
    parts = re.findall(r"(\d+) x \d+G", label)
    assert parts, label
    return sum(int(n) for n in parts)


def check_topology(fab: Fabric, files: Docs) -> None:
    if DOT is None:
        assert "topology.svg" not in files
        return
    assert "Generated by graphviz" not in files["topology.svg"], "the graphviz version comment is kept"
    nodes, edges = svg_graph(files["topology.svg"])
    data = data_devices(fab)
    nodes.discard("legend")
    assert sum(link_count(texts) for _, texts in edges) == data_cables(fab), "edges do not add up to the cables"
    if len(data) <= docs.FULL_DETAIL_MAX:
        assert nodes == {d.name for d in data}
        names = {d.name for d in data}
        want = {frozenset((c.a_device, c.b_device)) for c in fab.cables
                if c.plane != "oob" and c.a_device in names and c.b_device in names}
        got: set[frozenset[str]] = set()
        for title, _ in edges:
            # "a--b" with names that may hold dashes: find the split that names two devices
            pair = next(frozenset((title[:i], title[i + 2:])) for i in range(len(title))
                        if title[i:i + 2] == "--" and title[:i] in names and title[i + 2:] in names)
            got.add(pair)
        assert got == want
    else:
        assert 1 < len(nodes) <= max(40, len(data) // 15), f"{len(nodes)} nodes for {len(data)} devices"
        assert not {d.name for d in data} & nodes, "a summarised picture names single devices"


def check_cluster(fab: Fabric, files: Docs) -> None:
    links = re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", files["cluster.md"])
    others = set(files) - {"cluster.md"}
    assert others <= set(links), f"cluster.md does not link {sorted(others - set(links))}"
    assert set(links) <= set(files), "cluster.md links a file that was not rendered"


CHECKS: dict[str, Callable[[Fabric, Docs], None]] = {
    "cabling": check_cabling,
    "ip-plan": check_ip_plan,
    "bom": check_bom,
    "racks": check_racks,
    "topology": check_topology,
    "cluster": check_cluster,
}


# --- tests --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", ALL)
@pytest.mark.parametrize("check", list(CHECKS))
def test_docs_match_fabric(example: str, check: str) -> None:
    CHECKS[check](fabric(example), rendered(example))


@pytest.mark.parametrize("example", ALL)
def test_docs_files(example: str) -> None:
    want = {"cabling.csv", "ip-plan.csv", "bom.md", "racks.md", "topology.dot", "cluster.md"}
    if DOT is not None:
        want.add("topology.svg")
    assert set(rendered(example)) == want


def test_svg_made_by_graphviz() -> None:
    if DOT is None:
        pytest.skip("graphviz dot not installed (Debian package graphviz): no topology.svg to check")
    text = rendered("lab-mini")["topology.svg"]
    assert text.startswith("<?xml")
    root = ET.fromstring(text)
    assert root.get("viewBox") and root.find(f"{SVG_NS}g") is not None


def test_render_includes_docs() -> None:
    fab = fabric("lab-mini")
    out = render(fab)
    assert {k.removeprefix("docs/"): v for k, v in out.items() if k.startswith("docs/")} == rendered("lab-mini")


@pytest.mark.parametrize("example", ALL)
def test_docs_byte_identical_across_renders(example: str) -> None:
    first = rendered(example)
    again = render_docs(fabric(example))
    assert {k: v.encode() for k, v in again.items()} == {k: v.encode() for k, v in first.items()}


_RENDER_IN_CHILD = """
import json, sys
from pathlib import Path
from toolkit.design import design
from toolkit.render import docs
from toolkit.render.core import environment
from toolkit.spec import load
fab = design(load(Path(sys.argv[1])).spec)
json.dump(docs.render(fab, environment()), sys.stdout)
"""


@pytest.mark.parametrize("example", SMALL)
def test_docs_identical_in_another_process(example: str) -> None:
    """A fresh design in a process with another string hash seed: no set or dict order leaks out."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    res = subprocess.run([sys.executable, "-c", _RENDER_IN_CHILD, str(EXAMPLES / example)], capture_output=True,
                         text=True, timeout=300, check=False, cwd=ROOT, env=env)
    assert res.returncode == 0, res.stderr
    other = {k.removeprefix("docs/"): v for k, v in json.loads(res.stdout).items()}
    assert other == rendered(example)


def _drop_last(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return rows[:-1]


def _swap_b_ends(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Two cables' B ends exchanged: the same ports, wired wrongly."""
    a, b = rows[0], rows[1]
    assert a[2:4] != b[2:4]
    return [(*a[:2], *b[2:4], *a[4:]), (*b[:2], *a[2:4], *b[4:]), *rows[2:]]


def _ip_twice(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [*rows, rows[0]]


MISTAKES: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    # name: (docs attribute to wrap, check that must notice, how to spoil its result)
    "cable dropped": ("cabling_rows", "cabling", _drop_last),
    "cable ends swapped": ("cabling_rows", "cabling", _swap_b_ends),
    "address dropped": ("ip_plan_rows", "ip-plan", _drop_last),
    "address twice": ("ip_plan_rows", "ip-plan", _ip_twice),
    "bom off by one": ("bom", "bom", lambda b: {**b, "totals": {**b["totals"], "cables": b["totals"]["cables"] + 1}}),
    "device missing from rack": ("_racks", "racks", lambda racks: [
        docs.RackView(r.name, r.devices[1:], r.power_w, r.switches) if i == 0 else r for i, r in enumerate(racks)]),
    "edge missing": ("topology_view", "topology", lambda t: docs.TopologyView(
        t.detail, t.nodes, t.edges[1:], t.ranks, t.note, t.title, t.legend)),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_mistakes_are_caught(mistake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    attr, check, spoil = MISTAKES[mistake]
    if check == "topology" and DOT is None:
        pytest.skip("graphviz dot not installed")
    fab = fabric("lab-mini")
    original = getattr(docs, attr)
    monkeypatch.setattr(docs, attr, lambda *a, **kw: spoil(original(*a, **kw)))
    spoiled = render_docs(fab)
    assert spoiled != rendered("lab-mini")
    with pytest.raises(AssertionError):
        CHECKS[check](fab, spoiled)
