"""Growing every bundled example by a rack or an SU renumbers, re-cables and re-peers nothing.

The previous spec is the example shrunk by its last GPU rack, the current one that rack added
back at the end of the SU (after its network racks, as a built SU grows); or the example without
its last SU and the example (an example with one SU and room in its plan grows by a copy of it). Both
are designed and compared by ``toolkit.growth`` (GROW001/GROW002: every existing device keeps its
ports' peers, addresses, loopback, management address, ASN and BGP peers). The large examples run
as ``aidc validate --previous`` in their own process; cluster-100k grows as its first pods (see
``FIRST_PODS``).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.design import design
from toolkit.growth import growth_findings
from toolkit.spec.models import ClusterSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "inventory" / "examples"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in sorted((EXAMPLES / name.removesuffix(FIRST_PODS)).glob("*.yml")):
        data.update(yaml.safe_load(f.read_text()) or {})
    data = json.loads(json.dumps(data))  # YAML aliases (shared rack lists) become separate objects
    if name.endswith(FIRST_PODS):
        data = first_pods(data)
    return data


FIRST_PODS = "/first-pods"
"""``cluster-100k/first-pods``: its first 9 SUs (a full pod and the first SU of the next, with its
spines) under the same plan (``planned_sus`` 400, so sizing, ports and addresses are the 400-SU
ones): designing the whole 100k-GPU cluster twice in one process needs more than 6 GB."""


def first_pods(data: dict[str, Any]) -> dict[str, Any]:
    sus, kept, n = data["layout"]["scalable_units"], [], 0
    for entry in sus:
        if n >= 9:
            break
        kept.append(entry)
        n += entry.get("count") or 1
    data["layout"]["scalable_units"] = kept
    names = {f"{e['name']}{i}" for e in kept for i in range(e.get("first", 1), e.get("first", 1) + e["count"])}
    for t in data.get("tenants", []):
        for n in t.get("networks") or [t]:
            n["members"] = [m for m in n.get("members", []) if not m.startswith("su") or m.split("-")[0] in names]
    return data


def _split_last_su(data: dict[str, Any]) -> dict[str, Any]:
    """The last SU as an entry of its own (a counted entry ``count: n`` becomes n-1 and 1)."""
    sus = data["layout"]["scalable_units"]
    last = sus[-1]
    n = last.get("count")
    if n is None or n == 1:
        return last
    one = copy.deepcopy(last)
    last["count"] = n - 1
    one["count"], one["first"] = 1, last.get("first", 1) + n - 1
    sus.append(one)
    return one


def _rack_name(su: dict[str, Any], rack: dict[str, Any]) -> str:
    """The expanded name of a one-rack entry ``rack`` of a one-SU entry ``su`` (``count`` names)."""
    name = rack["name"]
    if su.get("count") is not None:  # counted SU: rack names are relative to the SU's
        name = f"{su['name']}{su.get('first', 1)}-{name}"
    if rack.get("count") is not None:
        name = f"{name}{rack.get('first', 1):02d}"
    return str(name)


def without_last_rack(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the spec without the last GPU rack of its last SU, that rack as a layout entry)."""
    out = copy.deepcopy(data)
    su = _split_last_su(out)
    gpu = [r for r in su["racks"] if r.get("role", "gpu") == "gpu"]
    last = gpu[-1]
    n = last.get("count")
    if n is not None and n > 1:
        last["count"] = n - 1
        rack = {**copy.deepcopy(last), "count": 1, "first": last.get("first", 1) + n - 1}
    else:
        su["racks"].remove(last)
        rack = last
    gone = _rack_name(su, rack) + "-"
    for t in out.get("tenants", []):  # a new rack's servers join their tenants with the rack
        for n in t.get("networks") or [t]:
            n["members"] = [m for m in n.get("members", []) if not m.startswith(gone)]
    return out, rack


def with_rack_appended(data: dict[str, Any], rack: dict[str, Any], full: dict[str, Any]) -> dict[str, Any]:
    """A rack added at the end of the last SU (after its network racks: growth appends), its
    servers back in the tenants of ``full``."""
    out = copy.deepcopy(data)
    _split_last_su(out)["racks"].append(copy.deepcopy(rack))
    for t_out, t_full in zip(out.get("tenants", []), full.get("tenants", []), strict=True):
        for n_out, n_full in zip(t_out.get("networks") or [t_out], t_full.get("networks") or [t_full], strict=True):
            n_out["members"] = list(n_full.get("members", []))
    return out


def without_last_su(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    _split_last_su(out)
    out["layout"]["scalable_units"].pop()
    return out


def with_another_su(data: dict[str, Any]) -> dict[str, Any]:
    """One explicit SU more: a copy of the first, its racks (and their servers) renamed."""
    out = copy.deepcopy(data)
    sus = out["layout"]["scalable_units"]
    first = sus[0]
    new = f"su{len(sus) + 1}"
    text = yaml.safe_dump(first).replace(f"{first['name']}-", f"{new}-")
    su = yaml.safe_load(text)
    su["name"] = new
    sus.append(su)
    return out


def growth_cases() -> list[tuple[str, str]]:
    return [
        ("lab-mini", "rack"),
        ("superpod-1su", "rack"),
        ("superpod-1su", "su"),
        ("cluster-16k", "rack"),
        ("cluster-16k", "su"),
        ("cluster-100k" + FIRST_PODS, "rack"),
        ("cluster-100k" + FIRST_PODS, "su"),
    ]


def previous_and_current(name: str, step: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = example(name)
    if step == "rack":
        smaller, rack = without_last_rack(data)
        return smaller, with_rack_appended(smaller, rack, data)
    sus = data["layout"]["scalable_units"]
    if len(sus) > 1 or sus[0].get("count", 1) > 1:
        return without_last_su(data), data
    planned = data["networks"]["compute"].get("planned_sus", 1)
    assert planned > 1, f"{name} plans one SU: it cannot grow by an SU within its plan"
    return data, with_another_su(data)


def _aidc_growth(tmp_path: Path, previous: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """``aidc validate CURRENT --previous PREVIOUS --format json`` in its own process."""
    prev, cur = tmp_path / "previous.yml", tmp_path / "current.yml"
    prev.write_text(yaml.safe_dump(previous, sort_keys=False))
    cur.write_text(yaml.safe_dump(current, sort_keys=False))
    res = subprocess.run([sys.executable, "-m", "toolkit.cli", "validate", str(cur), "--previous", str(prev),
                          "--format", "json"], capture_output=True, text=True, timeout=1800)
    assert res.returncode in (0, 1), res.stderr[-2000:]
    findings: list[dict[str, Any]] = json.loads(res.stdout)
    return findings


@pytest.mark.parametrize(("name", "step"), growth_cases())
def test_growing_an_example_changes_no_existing_device(name: str, step: str, tmp_path: Path) -> None:
    previous, current = previous_and_current(name, step)
    if name in ("lab-mini", "superpod-1su"):
        before, after = design(ClusterSpec.model_validate(previous)), design(ClusterSpec.model_validate(current))
        assert len(after.devices) > len(before.devices)
        assert [f.message for f in growth_findings(before, after)] == []
        return
    findings = _aidc_growth(tmp_path, previous, current)
    assert [f["message"] for f in findings if f["code"].startswith("GROW")] == []
    assert [f["message"] for f in findings if f["severity"] == "error"] == []


def test_the_growth_check_sees_a_shift(tmp_path: Path) -> None:
    """The comparison this file relies on fails when an existing device does move: growing the
    superpod by a rack with its SU no longer planned (``servers_per_su`` left to the design)."""
    previous, current = previous_and_current("superpod-1su", "rack")
    for d in (previous, current):
        del d["networks"]["compute"]["servers_per_su"]
    before, after = design(ClusterSpec.model_validate(previous)), design(ClusterSpec.model_validate(current))
    assert [f.code for f in growth_findings(before, after)] == ["GROW001"]


def test_counted_su_split_keeps_the_names(tmp_path: Path) -> None:
    """Shrinking a counted layout (cluster-100k) drops exactly its last rack, nothing else."""
    from toolkit.spec import load

    def names(d: dict[str, Any]) -> list[str]:
        p = tmp_path / "s.yml"
        p.write_text(yaml.safe_dump(d, sort_keys=False))
        res = load(p)
        assert res.spec is not None, [f.text() for f in res.findings]
        return [r.name for su in res.spec.layout.scalable_units for r in su.racks]

    data = example("cluster-100k")
    full = names(data)
    smaller, rack = without_last_rack(data)
    assert names(smaller) == [r for r in full if r != "su400-r08"]
    assert names(with_rack_appended(smaller, rack, data)) == [r for r in full if r != "su400-r08"] + ["su400-r08"]
    assert names(without_last_su(data)) == [r for r in full if not r.startswith("su400-")]
