"""Incremental output: after growing a cluster only files whose content changed are rewritten."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.design import design
from toolkit.plan.against import AgainstPlan, compare, device_of
from toolkit.render import render, write_output
from toolkit.spec.models import ClusterSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "inventory" / "examples"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in sorted((EXAMPLES / name).glob("*.yml")):
        data.update(yaml.safe_load(f.read_text()) or {})
    return data


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = (os.stat(p).st_ino, p.read_bytes())
    return out


def grow_by_one_rack(name: str, tmp_path: Path, in_process: bool = True) -> AgainstPlan | None:
    """Render the example without the last GPU rack of its last SU, then with that rack added at
    the end of the SU (planned: ``servers_per_su`` fixed): the set of files rewritten (new inode)
    is exactly the set whose bytes differ (or are new), and the plan between the two versions
    names exactly the devices whose files changed, renumbering none."""
    full = example(name)
    full["networks"]["compute"].setdefault("servers_per_su", 32)
    last_su = full["layout"]["scalable_units"][-1]
    gpu = [r for r in last_su["racks"] if r.get("role", "gpu") == "gpu"]
    last_su["racks"] = [r for r in last_su["racks"] if r is not gpu[-1]] + [gpu[-1]]
    smaller = copy.deepcopy(full)
    smaller["layout"]["scalable_units"][-1]["racks"].pop()
    out = tmp_path / "out"
    if in_process:
        fab_small = design(ClusterSpec.model_validate(smaller))
        arts_small = render(fab_small)
        first = write_output(out, arts_small)
        assert first.unchanged == [] and first.written
    else:  # the whole command, in its own process (a 16k-GPU Fabric stays out of the test process)
        assert aidc_render(tmp_path, smaller, out) == (len(snapshot(out / full["cluster"]["name"])), 0, 0)
        out = out / full["cluster"]["name"]
    before = snapshot(out)
    if in_process:
        fab_full = design(ClusterSpec.model_validate(full))
        arts_full = render(fab_full)
        second = write_output(out, arts_full)
        counts = (len(second.written), len(second.unchanged), len(second.removed))
    else:
        counts = aidc_render(tmp_path, full, out.parent)
    after = snapshot(out)
    changed = {rel for rel, (_, data) in after.items() if rel not in before or before[rel][1] != data}
    rewritten = {rel for rel, (ino, _) in after.items() if rel not in before or before[rel][0] != ino}
    assert changed == rewritten
    assert counts == (len(changed), len(after) - len(changed), len(set(before) - set(after)))
    assert changed and len(changed) < len(after) / 2, (len(changed), len(after))
    if in_process:
        assert set(second.written) == changed and set(second.removed) == set(before) - set(after)
        # the plan between the two versions names exactly the devices whose files changed
        plan = compare(fab_small, arts_small, fab_full, arts_full, "smaller")
        assert {d.device for d in plan.devices} == {device_of(p) for p in changed} - {None}
        assert {a.path for a in plan.fabric_artifacts} == {p for p in changed if device_of(p) is None}
        return plan
    return None


def aidc_render(tmp_path: Path, data: dict[str, Any], out: Path) -> tuple[int, int, int]:
    """``aidc render`` of ``data``: (written, unchanged, removed) as it reports them."""
    spec = tmp_path / "spec.yml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    res = subprocess.run([sys.executable, "-m", "toolkit.cli", "render", str(spec), "--out", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    m = re.search(r"\((\d+) written, (\d+) unchanged, (\d+) removed\)", res.stdout)
    assert m, res.stdout
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def test_growing_superpod_rewrites_only_changed_files(tmp_path: Path) -> None:
    grow_by_one_rack("superpod-1su", tmp_path)


def test_growing_superpod_renumbers_nothing(tmp_path: Path) -> None:
    plan = grow_by_one_rack("superpod-1su", tmp_path)
    assert plan is not None
    assert [d.device for d in plan.renumbered] == []


@pytest.mark.slow
def test_growing_cluster_16k_rewrites_only_changed_files(tmp_path: Path) -> None:
    grow_by_one_rack("cluster-16k", tmp_path, in_process=False)


def test_removed_artifacts_disappear_and_unchanged_keep_their_inode(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_output(out, {"a/x.txt": "x\n", "b.txt": "b\n", "gone.txt": "g\n"})
    ino = os.stat(out / "a" / "x.txt").st_ino
    rep = write_output(out, {"a/x.txt": "x\n", "b.txt": "B\n"})
    assert rep.unchanged == ["a/x.txt"] and rep.written == ["b.txt"] and rep.removed == ["gone.txt"]
    assert os.stat(out / "a" / "x.txt").st_ino == ino
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["b.txt", "x.txt"]
    assert (out / "b.txt").read_text() == "B\n"
