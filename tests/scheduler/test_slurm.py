"""Slurm accepts the rendered topology, node and GRES files of every bundled example (Debian's
slurmctld 22.05 and slurmd), and what Slurm reports is what the Fabric says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.scheduler.conftest import EXAMPLE_NAMES, fabric_of, rendered
from tests.scheduler.slurmkit import SLURMD, have_slurm, parse_topology, start_slurmctld
from toolkit.render.scheduler.slurm import hostlist

needs_slurm = pytest.mark.skipif(not have_slurm(), reason="slurmctld/scontrol not installed (make apt)")

SLURM_FILES = ("nodes.conf", "topology.conf", "gres.conf")


def slurm_files(name: str) -> dict[str, str]:
    r = rendered(name)
    return {f: r[f"scheduler/slurm/{f}"] for f in SLURM_FILES}


@needs_slurm
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_slurmctld_reports_the_designed_tree(example: str, tmp_path: Path) -> None:
    fabric = fabric_of(example)
    assert fabric.scheduler is not None
    ctl = start_slurmctld(tmp_path / "slurm", slurm_files(example), fabric.name)
    try:
        topo = parse_topology(ctl.scontrol("show", "topology"))
        nodes_out = ctl.scontrol("show", "node", "--oneliner")
    finally:
        ctl.stop()
    log = ctl.log()
    # Slurm's complaints about a tree: undefined child, duplicate switch, multi-homed or orphan nodes
    for bad in ("Multiple leaf switches", "not in any switch", "has no nodes", "fatal", "Duplicate", "not defined"):
        assert bad.lower() not in log.lower(), f"slurmctld: {bad}:\n{log[-2000:]}"
    units = {u.name: u for u in fabric.scheduler.units}
    assert set(topo) == set(units)
    for name, fields in topo.items():
        u = units[name]
        assert sorted(ctl.hostnames(fields["Nodes"])) == sorted(u.servers), name
        if u.children:
            assert sorted(ctl.hostnames(fields["Switches"])) == sorted(u.children), name
        else:
            assert "Switches" not in fields
    levels = {"leaf-group": 0, "su": 1, "pod": 2}
    top = max(levels[u.level] for u in units.values() if u.level in levels) + 1
    for name, fields in topo.items():
        assert int(fields["Level"]) == levels.get(units[name].level, top), name
    # every GPU server is a node with its GPUs and RDMA NICs as GRES
    seen = {}
    for line in nodes_out.splitlines():
        m = re.search(r"NodeName=(\S+)", line)
        g = re.search(r"Gres=(\S+)", line)
        if m and g:
            seen[m.group(1)] = g.group(1)
    fab_unit = units["compute"]
    assert sorted(seen) == sorted(fab_unit.servers)
    for n in fab_unit.servers:
        dev = fabric.devices[n]
        rails = sum(1 for p in dev.ports if p.plane == "compute" and p.peer_device)
        assert f"rdma:{rails}" in seen[n]
        assert re.search(rf"gpu:(\w+:)?{dev.gpus}\b", seen[n]), seen[n]


@needs_slurm
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root for a private /dev")
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_slurmd_accepts_gres_conf(example: str, tmp_path: Path) -> None:
    """slurmd -G parses gres.conf against the node's Gres= for one node of every server model.

    The device files (/dev/nvidia*, /dev/infiniband/uverbs*) exist only on real servers: the test
    creates stand-in device nodes on a private tmpfs /dev in a mount namespace (slurmd stats them)."""
    fabric = fabric_of(example)
    files = slurm_files(example)
    folder = tmp_path / "slurm"
    folder.mkdir()
    for f, text in files.items():
        (folder / f).write_text(text)
    from tests.scheduler.slurmkit import slurm_conf

    (folder / "slurm.conf").write_text(slurm_conf(folder, fabric.name))
    models: dict[str, str] = {}
    for n in next(u for u in fabric.scheduler.units if u.level == "fabric").servers:  # type: ignore[union-attr]
        models.setdefault(fabric.devices[n].model, n)
    for node in models.values():
        dev = fabric.devices[node]
        rails = sum(1 for p in dev.ports if p.plane == "compute" and p.peer_device)
        # character devices with the drivers' numbers (nvidia: major 195; uverbs: 231, minor 192+)
        mk = "; ".join(
            [f"mknod /dev/nvidia{i} c 195 {i}" for i in range(dev.gpus)]
            + [f"mknod /dev/infiniband/uverbs{i} c 231 {192 + i}" for i in range(rails)]
        )
        script = (
            "set -e; mount -t tmpfs none /dev; mkdir -p /dev/infiniband; mknod -m 666 /dev/null c 1 3; "
            f"{mk}; exec {SLURMD} -G -N {node} -f {folder}/slurm.conf"
        )
        res = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        out = res.stdout + res.stderr
        assert res.returncode == 0, out
        assert "error" not in out.lower(), out
        gpu_lines = re.findall(r"Gres Name=gpu .*Count=(\d+)", out)
        rdma_lines = re.findall(r"Gres Name=rdma .*Count=(\d+)", out)
        assert sum(map(int, gpu_lines)) == dev.gpus, out
        assert sum(map(int, rdma_lines)) == rails, out


def test_block_file_follows_the_slurm_2311_syntax() -> None:
    """topology/block needs Slurm >= 23.11, which Debian 12 does not ship: the syntax is checked
    against the topology.conf(5) documentation of 23.11 (BlockName=<name> Nodes=<hostlist>, one
    line per block, no Switches=), and each block's nodes are exactly its SU's servers."""
    for example in EXAMPLE_NAMES:
        fabric = fabric_of(example)
        assert fabric.scheduler is not None
        text = rendered(example)["scheduler/slurm/topology-block.conf"]
        lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
        sus = [u for u in fabric.scheduler.units if u.level == "su"]
        assert len(lines) == len(sus)
        for ln, u in zip(lines, sus, strict=True):
            m = re.fullmatch(r"BlockName=(\S+) Nodes=(\S+)", ln)
            assert m, ln
            assert m.group(1) == u.name
            assert m.group(2) == hostlist(u.servers)


@pytest.mark.parametrize(
    "names,expected",
    [
        (["a01", "a02", "a03"], "a[01-03]"),
        (["a01", "a03", "a04", "b1"], "a[01,03-04],b1"),
        (["x", "a9", "a10"], "x,a9,a10"),
        (["r1-gpu01", "r1-gpu02", "r2-gpu01"], "r1-gpu[01-02],r2-gpu01"),
        (["a02", "a01"], "a02,a01"),
    ],
)
def test_hostlist(names: list[str], expected: str) -> None:
    assert hostlist(names) == expected
