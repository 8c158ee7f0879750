"""Compact layouts (``count`` on SUs and racks) and the bundled cluster-100k example."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.rules import validate
from toolkit.spec import load

EXAMPLES = Path(__file__).resolve().parents[2] / "inventory" / "examples"


def _lab_mini() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in sorted((EXAMPLES / "lab-mini").glob("*.yml")):
        data.update(yaml.safe_load(f.read_text()) or {})
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    p = tmp_path / "spec.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def test_counted_layout_equals_written_out_layout(tmp_path: Path) -> None:
    data = _lab_mini()
    explicit = load(_write(tmp_path, data)).spec
    assert explicit is not None
    compact = copy.deepcopy(data)
    compact["layout"]["scalable_units"] = [
        {"name": "su", "count": 1, "racks": [{"name": "r", "count": 2, "power_kw": 12,
                                               "servers": [{"model": "gpu-2x", "count": 2}]}]}
    ]
    res = load(_write(tmp_path, compact))
    assert res.spec is not None, [f.text() for f in res.findings]
    assert res.spec.model_dump() == explicit.model_dump()


def test_counted_names_and_series(tmp_path: Path) -> None:
    data = _lab_mini()
    data["layout"]["scalable_units"] = [
        {"name": "su", "count": 2, "racks": [{"name": "r", "count": 3, "servers": [{"model": "gpu-2x", "count": 1}]},
                                             {"name": "n01", "role": "network"}]},
        {"name": "su", "count": 1, "first": 3, "racks": [{"name": "r", "count": 2, "first": 9,
                                                          "servers": [{"model": "gpu-2x", "count": 1}]}]},
    ]
    data["layout"]["racks"].append({"name": "svc-r", "count": 2, "role": "mixed"})
    res = load(_write(tmp_path, data))
    assert res.spec is not None, [f.text() for f in res.findings]
    sus = res.spec.layout.scalable_units
    assert [s.name for s in sus] == ["su1", "su2", "su3"]
    assert [r.name for r in sus[0].racks] == ["su1-r01", "su1-r02", "su1-r03", "su1-n01"]
    assert [r.name for r in sus[2].racks] == ["su3-r09", "su3-r10"]
    assert [r.name for r in res.spec.layout.racks][-2:] == ["svc-r01", "svc-r02"]


def test_finding_in_an_expanded_rack_points_at_the_counted_line(tmp_path: Path) -> None:
    data = _lab_mini()
    data["layout"]["scalable_units"] = [
        {"name": "su", "count": 3, "racks": [{"name": "r", "count": 2,
                                               "servers": [{"model": "no-such-model", "count": 1}]}]}
    ]
    p = _write(tmp_path, data)
    res = load(p)
    assert res.spec is not None
    findings = [f for f in validate(res.spec, res.sources) if f.code == "REF001"]
    assert findings
    line = next(i for i, text in enumerate(p.read_text().splitlines(), 1) if "no-such-model" in text)
    assert {f.line for f in findings} == {line}, [f.text() for f in findings]


def test_bad_count_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    data = _lab_mini()
    data["layout"]["scalable_units"][0]["count"] = 0
    res = load(_write(tmp_path, data))
    assert res.spec is None
    assert any(f.path[:3] == ["layout", "scalable_units", 0] and f.path[-1] == "count" for f in res.findings), [
        f.text() for f in res.findings]


def test_cluster_100k_has_the_size_it_claims() -> None:
    spec = EXAMPLES / "cluster-100k"
    assert len((spec / "cluster.yml").read_text().splitlines()) < 300  # compact
    res = load(spec)
    assert res.spec is not None, [f.text() for f in res.findings]
    racks = [r for su in res.spec.layout.scalable_units for r in su.racks]
    servers = sum(g.count or 0 for r in racks for g in r.servers)
    gpus = sum((g.count or 0) * res.spec.catalog.servers[g.model].gpus for r in racks for g in r.servers)
    assert len(res.spec.layout.scalable_units) == 400 and servers >= 12_500 and gpus >= 100_000
    assert res.spec.networks.compute.tiers == 3
    assert res.spec.networks.business and res.spec.networks.storage and res.spec.tenants


def _validate_100k() -> list[dict[str, Any]]:
    """``aidc validate cluster-100k --format json`` in its own process (a 100k-GPU Fabric stays out
    of the test process)."""
    res = subprocess.run([sys.executable, "-m", "toolkit.cli", "validate", str(EXAMPLES / "cluster-100k"),
                          "--format", "json"], capture_output=True, text=True, timeout=1800)
    findings: list[dict[str, Any]] = json.loads(res.stdout)
    return findings


@pytest.mark.slow
def test_cluster_100k_validates() -> None:
    """Trial design and fabric rules included: two OOB levels (a distribution pair per SU) carry
    its 3,840 racks to the aggregation pair."""
    assert [f["message"] for f in _validate_100k() if f["severity"] == "error"] == []


def _validate_cli(spec: Path) -> subprocess.CompletedProcess[str]:
    """``aidc validate`` in its own process, with a timeout: a layout that expanded its counts
    before checking them would hang here (or exhaust memory) instead of failing the test."""
    import os

    return subprocess.run([sys.executable, "-m", "toolkit.cli", "validate", str(spec)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "1000"})


def _line_of(p: Path, text: str) -> int:
    return next(i for i, line in enumerate(p.read_text().splitlines(), 1) if text in line)


def test_a_huge_rack_count_is_refused_at_its_line_without_expanding(tmp_path: Path) -> None:
    data = _lab_mini()
    data["layout"]["racks"].append({"name": "x", "count": 2**31})
    p = _write(tmp_path, data)
    res = _validate_cli(p)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert f"{p}:{_line_of(p, 'count: 2147483648')}" in res.stderr and "SPEC002" in res.stderr, res.stderr


def test_counts_that_multiply_past_the_rack_limit_are_refused_at_the_su_count(tmp_path: Path) -> None:
    from toolkit.spec.models import MAX_RACKS

    data = _lab_mini()
    # each count is within its own bound (1024 SUs, 4096 racks): together 4M racks
    data["layout"]["scalable_units"] = [
        {"name": "su", "count": 1024, "racks": [{"name": "r", "count": 4096,
                                                  "servers": [{"model": "gpu-2x", "count": 1}]}]}
    ]
    p = _write(tmp_path, data)
    res = _validate_cli(p)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    found = [line for line in res.stderr.splitlines() if "LOAD007" in line]
    assert len(found) == 1 and f"{p}:{_line_of(p, 'count: 1024')}" in found[0], res.stderr
    assert "(4194304 from this count)" in found[0] and f"at most {MAX_RACKS}" in found[0], found


def test_too_many_scalable_units_are_refused(tmp_path: Path) -> None:
    from toolkit.spec.models import MAX_SUS

    data = _lab_mini()
    su = {"name": "su", "count": MAX_SUS, "racks": [{"name": "r", "servers": [{"model": "gpu-2x", "count": 1}]}]}
    data["layout"]["scalable_units"] = [su, dict(su, first=MAX_SUS + 1, count=2)]
    res = load(_write(tmp_path, data))
    assert res.spec is None
    f = next(f for f in res.findings if f.code == "LOAD007")
    assert f.path == ["layout", "scalable_units", 0, "count"] and f.line, f.text()
    assert f"{MAX_SUS + 2} scalable units" in f.message


def test_a_layout_of_exactly_the_rack_limit_loads_and_one_more_rack_is_refused(tmp_path: Path) -> None:
    from toolkit.spec.models import MAX_RACKS

    data = _lab_mini()
    written = len(data["layout"]["racks"]) + sum(len(su["racks"]) for su in data["layout"]["scalable_units"])
    full, rest = divmod(MAX_RACKS - written, 4096)
    first_counted = len(data["layout"]["racks"])
    data["layout"]["racks"] += [{"name": f"x{k}-", "count": 4096} for k in range(full)]
    data["layout"]["racks"].append({"name": "y", "count": rest})
    res = load(_write(tmp_path, data))
    assert res.spec is not None, [f.text() for f in res.findings]
    layout = res.spec.layout
    assert len(layout.racks) + sum(len(su.racks) for su in layout.scalable_units) == MAX_RACKS
    data["layout"]["racks"].append({"name": "one-more"})
    res = load(_write(tmp_path, data))
    assert res.spec is None
    f = next(f for f in res.findings if f.code == "LOAD007")
    # named at the count that adds the most racks (the first of the largest)
    assert f"{MAX_RACKS + 1} racks" in f.message, f.text()
    assert f.path == ["layout", "racks", first_counted, "count"] and f.line, f.text()


def test_the_model_bounds_racks_of_an_unexpanded_layout() -> None:
    from pydantic import ValidationError

    from toolkit.spec.models import MAX_RACKS, Layout

    racks = [{"name": f"x{k}", "count": 4096} for k in range(MAX_RACKS // 4096 + 1)]
    with pytest.raises(ValidationError, match=f"at most {MAX_RACKS}"):
        Layout.model_validate({"racks": racks})
