"""Growth: validate --previous fails when an existing device's ports, addresses or ASNs would change."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.design import design
from toolkit.growth import growth_findings
from toolkit.rules import validate
from toolkit.spec import load

D = dict[str, Any]


def _write(data: D, path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "cluster.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _grow_rack(data: D) -> D:
    out = copy.deepcopy(data)
    out["layout"]["scalable_units"][0]["racks"].append(
        {"name": "su1-r03", "servers": [{"model": "gpu-2x", "count": 2}]}
    )
    return out


def test_growth_without_a_plan_is_refused_naming_devices(lab_mini_data: D, tmp_path: Path) -> None:
    c = lab_mini_data["networks"]["compute"]
    del c["servers_per_su"], c["planned_sus"]
    before = _write(lab_mini_data, tmp_path / "before")
    # GROW003 says exactly what to set
    res = load(before)
    assert res.spec is not None
    hits = [f for f in validate(res.spec, res.sources) if f.code == "GROW003"]
    assert len(hits) == 1 and "set networks.compute.servers_per_su: 4 and planned_sus: 1" in hits[0].hint
    after = _write(_grow_rack(lab_mini_data), tmp_path / "after")
    r = CliRunner().invoke(app, ["validate", str(after), "--previous", str(before)])
    assert r.exit_code == 1, r.output
    assert "GROW001" in r.output and "existing device(s) would change" in r.output
    assert "su1-leaf-rail0" in r.output or "spine0" in r.output


def test_planned_growth_passes_and_git_revision_works(lab_mini_data: D, tmp_path: Path) -> None:
    lab_mini_data["networks"]["compute"]["servers_per_su"] = 6
    repo = tmp_path / "repo"
    spec_dir = _write(lab_mini_data, repo / "cluster")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "built"], check=True)
    _write(_grow_rack(lab_mini_data), spec_dir)
    r = CliRunner().invoke(app, ["validate", str(spec_dir), "--previous", "HEAD"])
    assert r.exit_code == 0, r.output
    # shrinking the plan is caught against the committed spec
    shrunk = _grow_rack(lab_mini_data)
    shrunk["networks"]["compute"]["spine"]["count"] = 1
    _write(shrunk, spec_dir)
    r = CliRunner().invoke(app, ["validate", str(spec_dir), "--previous", "HEAD"])
    assert r.exit_code == 1 and "GROW00" in r.output, r.output
    r = CliRunner().invoke(app, ["validate", str(spec_dir), "--previous", "no-such-rev"])
    assert r.exit_code == 2 and "neither a path nor a git revision" in r.output


def test_growth_findings_name_the_change(lab_mini_data: D, write_spec) -> None:
    a = load(write_spec(lab_mini_data)).spec
    changed = copy.deepcopy(lab_mini_data)
    changed["networks"]["compute"]["asn"]["leaf_base"] = 4200020000
    b = load(write_spec(changed)).spec
    assert a is not None and b is not None
    found = growth_findings(design(a), design(b))
    assert [f.code for f in found] == ["GROW001"]
    assert "asn 4200010000 -> 4200020000" in found[0].message
