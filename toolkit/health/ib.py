"""The ``infiniband`` layer: the running IB fabric against ``Fabric.infiniband``.

Observations (infiniband-diags, read once per check run and shared by the checks):
``ibnetdiscover`` (every node by GUID, every link with the remote GUID, port, width and speed),
``sminfo`` (the master SM) and ``sminfo <lid>`` per designed SM port (its state and priority),
``smpquery pkeys <lid>`` per HCA port (the port's partition table, membership in bit 15).

Where the tools run: the InfiniBand twin (toolkit/lab/ib.py) in the root namespace with its
simulator environment; a real datacentre on the master SM host over SSH (it has an HCA and the
diagnostics installed).

Expected values come from the Fabric only: link ends by GUID and IB port number, the designed
rate (capped at the simulator's top speed in the twin, which the message says), SM GUID,
priority and role, and per HCA port the partitions the design lists it in.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from toolkit.design.model import Fabric
from toolkit.health.expect import Present
from toolkit.health.model import Case
from toolkit.targets import DeviceAccess, Target, TargetError, TargetSpec

# ------------------------------------------------------------------------- case builders


def _ports(fabric: Fabric) -> dict[str, dict[str, int]]:
    ib = fabric.infiniband
    return ib.port_numbers if ib else {}


_CASE_ORDER = {"leaf": 0, "spine": 1, "core": 2}


def ib_links(fabric: Fabric, present: Present = None) -> list[Case]:
    """One case per compute cable, named by the switch end (the leaf for server-leaf cables)."""
    ib = fabric.infiniband
    if ib is None:
        return []
    nums = _ports(fabric)
    out = []
    for c in fabric.cables:
        if c.plane != "compute":
            continue
        # the switch end closest to the servers names the case
        ends = [(c.a_device, c.a_port), (c.b_device, c.b_port)]
        ends.sort(key=lambda e: _CASE_ORDER.get(fabric.devices[e[0]].role, len(_CASE_ORDER)))
        (dev, port), (peer, pport) = ends
        key = dev if dev in ib.nodes else f"{dev}:{port}"
        pkey = peer if peer in ib.nodes else f"{peer}:{pport}"
        out.append(
            Case(
                device=dev,
                port=port,
                expect={
                    "guid": ib.nodes[key].node_guid,
                    "num": nums.get(dev, {}).get(port, 1),
                    "peer": peer,
                    "peer_port": pport,
                    "peer_guid": ib.nodes[pkey].node_guid,
                    "peer_num": nums.get(peer, {}).get(pport, 1),
                    "rate": c.speed,
                },
            )
        )
    return out


def ib_subnet_managers(fabric: Fabric, present: Present = None) -> list[Case]:
    ib = fabric.infiniband
    if ib is None:
        return []
    return [
        Case(
            device=sm.device,
            port=sm.port,
            suffix=sm.role,
            expect={"guid": sm.guid, "priority": sm.priority, "role": sm.role},
        )
        for sm in ib.subnet_managers
    ]


def ib_partition_ports(fabric: Fabric, present: Present = None) -> list[Case]:
    """One case per HCA port: the partition keys (and membership) the design gives it."""
    ib = fabric.infiniband
    if ib is None:
        return []
    want: dict[str, dict[int, str]] = {}
    for part in ib.partitions:
        for m in part.members:
            want.setdefault(f"{m.device}:{m.port}", {})[part.pkey] = m.membership
    out = []
    for key, n in ib.nodes.items():
        if n.kind != "hca":
            continue
        names = {p: ib_part_name(fabric, p) for p in want.get(key, {})}
        out.append(
            Case(
                device=n.device,
                port=n.port,
                expect={"guid": n.port_guid, "pkeys": want.get(key, {}), "names": names},
            )
        )
    return out


def ib_part_name(fabric: Fabric, pkey: int) -> str:
    ib = fabric.infiniband
    assert ib is not None
    return next((p.name for p in ib.partitions if p.pkey == pkey), f"{pkey:#06x}")


# --------------------------------------------------------------------------- observations

SPEED_RANK = {s: i for i, s in enumerate(("SDR", "DDR", "QDR", "FDR10", "FDR", "EDR", "HDR", "NDR", "XDR"))}
SPEED_OF_RATE = {10: "SDR", 20: "DDR", 40: "QDR", 56: "FDR", 100: "EDR", 200: "HDR", 400: "NDR", 800: "XDR"}

_NODE = re.compile(r'^(Switch|Ca)\s+(\d+)\s+"([SH])-([0-9a-fA-F]+)"\s*#\s*"([^"]*)"(.*)$')
_SW_PORT = re.compile(
    r'^\[(\d+)\](?:\([0-9a-fA-F]+\))?\s+"([SH])-([0-9a-fA-F]+)"\[(\d+)\](?:\(([0-9a-fA-F]+)\))?'
    r"\s*#.*?lid (\d+) (\d+)x(\w+)"
)
_CA_PORT = re.compile(
    r'^\[(\d+)\]\(([0-9a-fA-F]+)\)\s+"([SH])-([0-9a-fA-F]+)"\[(\d+)\]'
    r'\s*#\s*lid (\d+) lmc \d+ "[^"]*" lid (\d+) (\d+)x(\w+)'
)


def _g(hexdigits: str) -> str:
    return f"0x{int(hexdigits, 16):016x}"


@dataclass
class IbLink:
    peer_guid: str
    peer_num: int
    width: int
    speed: str


@dataclass
class IbNodeSeen:
    guid: str
    kind: str
    description: str
    lid: int | None = None
    port_guid: str | None = None
    ports: dict[int, IbLink] = field(default_factory=dict)


def parse_ibnetdiscover(text: str) -> dict[str, IbNodeSeen]:
    """Nodes by node GUID with their cabled ports (ibnetdiscover's default output)."""
    nodes: dict[str, IbNodeSeen] = {}
    cur: IbNodeSeen | None = None
    for raw in text.splitlines():
        line = raw.strip()
        m = _NODE.match(line)
        if m:
            kind = "switch" if m.group(1) == "Switch" else "hca"
            cur = IbNodeSeen(guid=_g(m.group(4)), kind=kind, description=m.group(5))
            lid = re.search(r"base port 0 lid (\d+)", m.group(6))
            if lid:
                cur.lid = int(lid.group(1))
            nodes[cur.guid] = cur
            continue
        if cur is None or not line.startswith("["):
            continue
        if cur.kind == "switch":
            p = _SW_PORT.match(line)
            if p:
                cur.ports[int(p.group(1))] = IbLink(_g(p.group(3)), int(p.group(4)), int(p.group(7)), p.group(8))
        else:
            p = _CA_PORT.match(line)
            if p:
                cur.port_guid = _g(p.group(2))
                cur.lid = int(p.group(6))
                cur.ports[int(p.group(1))] = IbLink(_g(p.group(4)), int(p.group(5)), int(p.group(8)), p.group(9))
    return nodes


_SMINFO = re.compile(r"sm lid (\d+) sm guid (0x[0-9a-fA-F]+), activity count \d+ priority (\d+) state \d+ (\w+)")


def parse_sminfo(text: str) -> tuple[int, str, int, str] | None:
    """(lid, guid, priority, state) of ``sminfo`` output."""
    m = _SMINFO.search(text)
    if not m:
        return None
    return int(m.group(1)), f"0x{int(m.group(2), 16):016x}", int(m.group(3)), m.group(4)


def parse_pkeys(text: str) -> set[int] | None:
    """Raw 16-bit partition keys of ``smpquery pkeys`` output (0 entries dropped)."""
    if "pkey" not in text.lower() and "0x" not in text:
        return None
    keys = set()
    for tok in re.findall(r"0x[0-9a-fA-F]{4}\b", text):
        v = int(tok, 16)
        if v & 0x7FFF:
            keys.add(v)
    return keys


Runner = Callable[[list[str], float], str]
"""(argv, timeout) -> stdout; raises RuntimeError on failure."""


@dataclass
class IbObservation:
    run: Runner
    sim_max_speed: str | None
    """The top speed of the simulator (twin), None on real hardware."""
    nodes: dict[str, IbNodeSeen]
    master: tuple[int, str, int, str] | None
    error: str | None = None
    _sm: dict[int, tuple[int, str, int, str] | str] = field(default_factory=dict)
    _pkeys: dict[int, set[int] | str] = field(default_factory=dict)

    def lid_of(self, port_guid: str) -> int | None:
        for n in self.nodes.values():
            if n.port_guid == port_guid or (n.kind == "switch" and n.guid == port_guid):
                return n.lid
        return None

    def sminfo(self, lid: int) -> tuple[int, str, int, str] | str:
        if lid not in self._sm:
            try:
                got = parse_sminfo(self.run(["sminfo", str(lid)], 15))
                self._sm[lid] = got if got else "no SMInfo answer"
            except (RuntimeError, OSError) as exc:
                self._sm[lid] = str(exc).splitlines()[0][:200]
        return self._sm[lid]

    def pkeys(self, lid: int) -> set[int] | str:
        return self._pkeys.get(lid, "not queried")

    def fetch_pkeys(self, lids: list[int], width: int = 8) -> None:
        def one(lid: int) -> tuple[int, set[int] | str]:
            try:
                got = parse_pkeys(self.run(["smpquery", "pkeys", str(lid)], 15))
                return lid, got if got is not None else "no PKey table"
            except (RuntimeError, OSError) as exc:
                return lid, str(exc).splitlines()[0][:200]

        with ThreadPoolExecutor(max_workers=width) as pool:
            for lid, got in pool.map(one, [x for x in lids if x not in self._pkeys]):
                self._pkeys[lid] = got


def observe(run: Runner, fabric: Fabric, sim_max_speed: str | None) -> IbObservation:
    try:
        nodes = parse_ibnetdiscover(run(["ibnetdiscover"], 120))
    except (RuntimeError, OSError) as exc:
        return IbObservation(run, sim_max_speed, {}, None, error=f"ibnetdiscover failed: {exc}")
    try:
        master = parse_sminfo(run(["sminfo"], 15))
    except (RuntimeError, OSError):
        master = None
    obs = IbObservation(run, sim_max_speed, nodes, master)
    ib = fabric.infiniband
    if ib is not None:
        lids = [obs.lid_of(n.port_guid) for n in ib.nodes.values() if n.kind == "hca"]
        obs.fetch_pkeys([x for x in lids if x is not None])
    return obs


def ssh_runner(sessions: Any, device: str) -> Runner:
    """Tools on ``device`` through the check run's SSH sessions (a real datacentre)."""

    def run(argv: list[str], timeout: float) -> str:
        cmd = " ".join(shlex.quote(a) for a in argv)
        return str(sessions.check_output(device, sessions.privileged(cmd), timeout=timeout))

    return run


# ------------------------------------------------------------------------------ evaluation


def link_problems(case: Case, obs: IbObservation) -> list[str]:
    e = case.expect
    where = f"{case.device} port {case.port} (IB port {e['num']})"
    want = f"{e['peer']} {e['peer_port']} (IB port {e['peer_num']})"
    node = obs.nodes.get(e["guid"])
    if node is None:
        return [f"{case.device} (GUID {e['guid']}) is not in the fabric (ibnetdiscover)"]
    link = node.ports.get(e["num"])
    if link is None:
        return [f"{where}: no link; designed to {want}"]
    problems = []
    if link.peer_guid != e["peer_guid"] or link.peer_num != e["peer_num"]:
        seen = obs.nodes.get(link.peer_guid)
        name = seen.description if seen else link.peer_guid
        problems.append(f"{where}: cabled to {name} IB port {link.peer_num}; designed to {want}")
    designed = SPEED_OF_RATE.get(int(e["rate"]), "EDR")
    expected = designed
    note = ""
    if obs.sim_max_speed and SPEED_RANK[designed] > SPEED_RANK[obs.sim_max_speed]:
        expected, note = obs.sim_max_speed, f" (designed {designed}; the simulator stops at {obs.sim_max_speed})"
    if link.width != 4:
        problems.append(f"{where}: width {link.width}x, designed 4x")
    if SPEED_RANK.get(link.speed, -1) < SPEED_RANK[expected]:
        problems.append(f"{where}: runs at 4x{link.speed}, below 4x{expected}{note}")
    return problems


_T = TypeVar("_T")


def _read_by_guid(
    obs: IbObservation, guid: str, read: Callable[[int], _T | str], whose: str, failed: str
) -> tuple[int, _T] | str:
    """The LID of port ``guid`` and what ``read`` gives for that LID; or the problem: the GUID
    is not in the fabric (``whose`` names the port), or the read failed (``failed``: its words,
    with ``{lid}`` and ``{guid}``)."""
    lid = obs.lid_of(guid)
    if lid is None:
        return f"port GUID {guid}{whose} is not in the fabric"
    got = read(lid)
    if isinstance(got, str):
        return f"{failed.format(lid=lid, guid=guid)}: {got}"
    return lid, got


def sm_problems(case: Case, obs: IbObservation) -> list[str]:
    e = case.expect
    where = f"{case.device}" + (f" {case.port}" if case.port else "")
    if e["role"] == "master":
        if obs.master is None:
            return [f"{where}: no master subnet manager answers (sminfo)"]
        _lid, guid, prio, state = obs.master
        problems = []
        if guid != e["guid"]:
            problems.append(f"{where}: the master SM is GUID {guid}, designed {e['guid']} (priority {e['priority']})")
        if state != "SMINFO_MASTER":
            problems.append(f"{where}: SM state {state}, designed master")
        if guid == e["guid"] and prio != e["priority"]:
            problems.append(f"{where}: master SM priority {prio}, designed {e['priority']}")
        return problems
    read = _read_by_guid(
        obs, e["guid"], obs.sminfo, " of the standby SM", "no standby subnet manager on LID {lid} (GUID {guid})"
    )
    if isinstance(read, str):
        return [f"{where}: {read}"]
    lid, (_lid, guid, prio, state) = read
    problems = []
    if guid != e["guid"] or state != "SMINFO_STANDBY":
        problems.append(f"{where}: SM on LID {lid} is {guid} in state {state}; designed a standby SM {e['guid']}")
    elif prio != e["priority"]:
        problems.append(f"{where}: standby SM priority {prio}, designed {e['priority']}")
    return problems


def partition_problems(case: Case, obs: IbObservation) -> list[str]:
    e = case.expect
    where = f"{case.device} {case.port}"
    read = _read_by_guid(obs, e["guid"], obs.pkeys, "", "cannot read the partition table (LID {lid})")
    if isinstance(read, str):
        return [f"{where}: {read}"]
    _lid, got = read
    seen = {k & 0x7FFF: ("full" if k & 0x8000 else "limited") for k in got}
    problems = []
    for pkey, membership in sorted(e["pkeys"].items()):
        name = e["names"].get(pkey, f"{int(pkey):#06x}")
        pk = int(pkey)
        if pk not in seen:
            problems.append(f"{where}: not a member of partition {name} ({pk:#06x}); designed {membership}")
        elif seen[pk] != membership:
            problems.append(f"{where}: {seen[pk]} member of partition {name} ({pk:#06x}); designed {membership}")
    for pk in sorted(set(seen) - {int(k) for k in e["pkeys"]}):
        problems.append(f"{where}: member of partition {pk:#06x}, which the design does not give it")
    return problems


# ---------------------------------------------------------------------------------- targets


def twin_runner(cluster: str, state_dir: str | Path) -> tuple[Runner, str] | None:
    """(runner, simulator top speed) for the InfiniBand twin of ``cluster``, or None."""
    from toolkit.lab import ib as twin

    st = twin.load_twin(cluster, state_dir)
    if st is None:
        return None

    def run(argv: list[str], timeout: float) -> str:
        return twin.run_tool(st, argv, timeout=timeout)

    return run, twin.SIM_MAX_SPEED


def runner_for(sessions: Any, fabric: Fabric) -> tuple[Runner, str | None] | str:
    """How to run the IB tools for the check run's target, or why they cannot run there."""
    target = getattr(sessions, "target", sessions)
    spec = target.spec()
    if spec.kind == "lab":
        got = twin_runner(spec.cluster or fabric.name, spec.state_dir)
        if got is None:
            return f"the lab of {fabric.name} has no InfiniBand twin (aidc lab up of an InfiniBand spec starts it)"
        return got
    ib = fabric.infiniband
    assert ib is not None
    master = next((s for s in ib.subnet_managers if s.role == "master"), None)
    if master is None:
        return "the design places no subnet manager host to run the diagnostics on"
    return ssh_runner(sessions, master.device), None


class IbLabTarget(Target):
    """The InfiniBand twin alone (no Ethernet lab): no SSH devices; only the ``infiniband`` layer
    has something to check (its tools run against the simulator)."""

    kind = "lab"
    impl = "toolkit.health.ib:IbLabTarget"
    hardware = False

    def __init__(self, cluster: str, state_dir: Path | str) -> None:
        from toolkit.lab import ib as twin

        self.name = "lab"
        self.cluster = cluster
        self.state_base = Path(state_dir)
        self.network_mode = "iproute2"
        if twin.load_twin(cluster, state_dir) is None:
            raise TargetError(f"no InfiniBand twin of {cluster!r} under {state_dir} (run `aidc lab up` first)")

    @classmethod
    def from_spec(cls, spec: TargetSpec, fabric: Fabric) -> IbLabTarget:
        return cls(spec.cluster, spec.state_dir)

    def devices(self) -> dict[str, DeviceAccess]:
        return {}

    def ansible_ssh(self) -> dict[str, Any]:
        return {}
