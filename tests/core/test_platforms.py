"""The platform registry: lookup, naming schemes, hooks, and no heavy imports before apply."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT
from toolkit import platforms
from toolkit.design import design
from toolkit.spec import load


def test_names_and_lookup() -> None:
    assert platforms.names() == ("cumulus", "eos", "frr", "infiniband", "sonic")
    assert platforms.switch_platforms() == ("cumulus", "eos", "frr", "sonic")
    for name in platforms.names():
        assert platforms.get(name).name == name


def test_unknown_platform_names_the_known_ones() -> None:
    with pytest.raises(platforms.UnknownPlatform, match="unknown platform 'junos'; known: cumulus, eos, frr"):
        platforms.get("junos")


@pytest.mark.parametrize(
    ("platform", "cage", "lane", "lanes", "cage_speed", "name"),
    [
        ("frr", 3, 0, 1, 400, "swp3"),
        ("frr", 3, 1, 2, 800, "swp3s1"),
        ("cumulus", 64, 3, 4, 400, "swp64s3"),
        ("sonic", 1, 0, 1, 800, "Ethernet0"),
        ("sonic", 2, 1, 2, 800, "Ethernet12"),  # 8 SerDes lanes per 800G cage, 2 ports: every 4 lanes
        ("sonic", 3, 2, 4, 100, "Ethernet10"),
        ("eos", 5, 0, 1, 10, "Ethernet5"),
        ("eos", 5, 1, 2, 800, "Ethernet5/5"),
        ("eos", 5, 0, 1, 400, "Ethernet5/1"),
        ("infiniband", 7, 1, 2, 800, "7/2"),
        ("infiniband", 7, 0, 1, 400, "7"),
    ],
)
def test_port_naming(platform: str, cage: int, lane: int, lanes: int, cage_speed: int, name: str) -> None:
    assert platforms.get(platform).port_name(cage, lane, lanes, cage_speed) == name


def test_hooks_resolve() -> None:
    for p in platforms.all_platforms():
        for path in (p.hooks.renderer, p.hooks.driver, p.hooks.facts):
            if path:
                assert callable(platforms.load_hook(path)), path


def test_limits_are_ranges() -> None:
    for p in platforms.all_platforms():
        lo, hi = p.limits.mtu
        assert 0 < lo < hi
        vlo, vhi = p.limits.vlan
        assert 1 <= vlo < vhi <= 4094
        assert p.limits.max_ecmp >= 1


def test_spec_refuses_an_unknown_platform(lab_mini_data, write_spec) -> None:
    model = next(iter(lab_mini_data["catalog"]["switches"]))
    lab_mini_data["catalog"]["switches"][model]["platform"] = "junos"
    res = load(write_spec(lab_mini_data))
    assert res.spec is None
    assert any("unknown platform 'junos'" in f.message for f in res.findings)


def test_design_uses_each_platform_scheme() -> None:
    spec = load(EXAMPLES / "lab-mini").spec
    assert spec is not None
    for name in platforms.switch_platforms():
        fab = design(spec, name)
        plat = platforms.get(name)
        for dev in fab.switches():
            if dev.mgmt_port:
                assert dev.mgmt_port == plat.mgmt_port


def test_validate_and_render_import_no_driver_library() -> None:
    code = (
        "import sys\n"
        "from toolkit.spec import load\n"
        "from toolkit.rules import validate\n"
        "from toolkit.design import design\n"
        "from toolkit.render import render\n"
        f"res = load({str(EXAMPLES / 'lab-mini')!r})\n"
        "assert not [f for f in validate(res.spec, res.sources) if f.severity == 'error']\n"
        "for p in ('frr', 'sonic', 'cumulus', 'eos', None):\n"
        "    render(design(res.spec, p))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('netmiko', 'ansible_runner', 'paramiko'))\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
