"""ECMP width (#13): BGP maximum-paths is capped at the switch model's hardware ECMP group
(``catalog.switches.<model>.max_ecmp``, else the platform's conservative default — EOS 32, not the
CLI's 600), and ECMP001 warns when the design gives a switch more equal-cost uplinks than that."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from toolkit import platforms
from toolkit.design import design
from toolkit.render import render
from toolkit.rules import validate
from toolkit.rules.ecmp import ecmp_need
from toolkit.spec import load

L3LS = Path(__file__).resolve().parents[2] / "inventory" / "examples" / "l3ls-evpn" / "fabric.yml"


def _l3ls(leaves: int, spines: int = 2, max_ecmp: int | None = None) -> dict[str, Any]:
    d = yaml.safe_load(L3LS.read_text())
    d["layout"]["racks"][1]["count"] = leaves
    d["networks"]["business"]["spine"]["count"] = spines
    if max_ecmp is not None:
        d["catalog"]["switches"]["dcs-7060dx5"]["max_ecmp"] = max_ecmp
    return d


def _load(data: dict[str, Any], write_spec):  # type: ignore[no-untyped-def]
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return res


def test_eos_default_is_conservative_not_the_cli_range() -> None:
    lim = platforms.get("eos").limits
    assert lim.max_ecmp == 600 and lim.ecmp_default == 32


def test_spine_maximum_paths_capped_at_the_model(write_spec) -> None:  # type: ignore[no-untyped-def]
    res = _load(_l3ls(40), write_spec)
    fab = design(res.spec)
    spine = fab.devices["fe-spine01"]
    assert len(spine.bgp) == 40 and spine.ecmp_limit == 32 and spine.ecmp == 32
    assert "   maximum-paths 32 ecmp 32\n" in render(fab)["switches/fe-spine01/startup-config"]
    # 40 sessions to 40 leaves are not 40 equal-cost paths: each leaf owns its prefixes
    assert ecmp_need(spine) == 1
    assert "ECMP001" not in {f.code for f in validate(res.spec, res.sources)}
    # the catalogue's figure wins over the platform default
    fab = design(_load(_l3ls(40, max_ecmp=128), write_spec).spec)
    assert fab.devices["fe-spine01"].ecmp == 40
    # rendered for another NOS, the hardware figure still applies; without one, that NOS's default
    assert design(_load(_l3ls(40, max_ecmp=16), write_spec).spec, platform="frr").devices["fe-spine01"].ecmp == 16
    frr = platforms.get("frr").limits
    assert design(res.spec, platform="frr").devices["fe-spine01"].ecmp_limit == (frr.ecmp_default or frr.max_ecmp)


def test_ecmp001_leaf_with_more_uplinks_than_its_model_installs(write_spec) -> None:  # type: ignore[no-untyped-def]
    res = _load(_l3ls(4, spines=4, max_ecmp=2), write_spec)
    fab = design(res.spec)
    leaf = fab.devices["fe-leaf01"]
    assert ecmp_need(leaf) == 4 and leaf.ecmp == 2
    hits = [f for f in validate(res.spec, res.sources) if f.code == "ECMP001"]
    assert len(hits) == 1, hits
    f = hits[0]
    assert f.severity == "warning" and f.yaml_path == "catalog.switches.dcs-7060dx5.max_ecmp" and f.line
    assert "fe-leaf01" in f.message and "4 paths, ECMP group of 2" in f.message


def test_ecmp001_on_the_compute_fabric(lab_mini_data: dict[str, Any], write_spec) -> None:  # type: ignore[no-untyped-def]
    lab_mini_data["catalog"]["switches"]["sn2700"]["max_ecmp"] = 3  # rail leaves: 2 uplinks to each of 2 spines
    res = _load(lab_mini_data, write_spec)
    hits = [f for f in validate(res.spec, res.sources) if f.code == "ECMP001"]
    assert [h.yaml_path for h in hits] == ["catalog.switches.sn2700.max_ecmp"]
    lab_mini_data["catalog"]["switches"]["sn2700"]["max_ecmp"] = 4
    res = _load(lab_mini_data, write_spec)
    assert "ECMP001" not in {f.code for f in validate(res.spec, res.sources)}
