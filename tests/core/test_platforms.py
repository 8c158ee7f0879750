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


def test_a_data_file_is_a_platform(tmp_path) -> None:
    """A platform is its data file: fields checked against Platform / Limits / Hooks, lists read as
    the tuples / frozensets the model holds, code named by import path."""
    (tmp_path / "mynos.yml").write_text(
        "title: My NOS\nkind: ethernet\nport_namer: toolkit.platforms:linux_port_name\nmgmt_port: em0\n"
        "limits: {mtu: [256, 9216], vlan: [1, 4094], vlan_reserved: [[4000, 4094]], vrf_name: null}\n"
        "hooks: {renderer: toolkit.render.platforms.frr:render_device}\n"
        "os_versions: ['24.2']\ncapabilities: [evpn, lldp]\n"
    )
    p = platforms.load_platform(tmp_path / "mynos.yml")
    assert (p.name, p.mgmt_port, p.port_name(2, 1, 2, 800)) == ("mynos", "em0", "swp2s1")
    assert p.limits == platforms.Limits(mtu=(256, 9216), vlan=(1, 4094), vlan_reserved=((4000, 4094),), vrf_name=None)
    assert p.os_versions == ("24.2",) and p.capabilities == frozenset({"evpn", "lldp"})
    assert p.hooks == platforms.Hooks(renderer="toolkit.render.platforms.frr:render_device")
    assert p.mgmt_vrf == "mgmt" and p.skus == {}  # the model's defaults


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mtu_kind": "l2"}, r"mtu_kind: 'l2' is not one of 'interface', 'ip'"),
        ({"limits": {"mtu": [256], "vlan": [1, 4094]}}, r"limits.mtu: \[256\] is not a list of 2"),
        ({"limits": {"mtu": [68, 9216], "vlan": [1, 4094], "max_ecmp": "64"}},
         r"limits.max_ecmp: '64' is not of type int"),
        ({"os_versions": [5.1]}, r"os_versions: 5.1 is not of type str"),  # an unquoted 5.10 reads as 5.1
        ({"unnumbered_bgp": "yes please"}, r"unnumbered_bgp: 'yes please' is not of type bool"),
        ({"max_ecmp": 64}, r"unknown key\(s\) max_ecmp; known: .*capabilities"),
        ({"name": "other"}, r"unknown key\(s\) name"),
        ({"hooks": {"render": "x:y"}}, r"hooks: unknown key\(s\) render; known: driver, facts, renderer"),
        ({"mgmt_port": None}, r"mgmt_port: None is not of type str"),
    ],
)
def test_a_data_file_with_a_wrong_field_is_refused_naming_it(tmp_path, change, message) -> None:
    import yaml

    data = yaml.safe_load((ROOT / "toolkit/platforms/frr.yml").read_text())
    data.update(change)
    (tmp_path / "frr.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(TypeError, match=r"^toolkit/platforms/frr.yml: " + message):
        platforms.load_platform(tmp_path / "frr.yml")


def test_a_data_file_missing_a_required_field_is_refused(tmp_path) -> None:
    (tmp_path / "half.yml").write_text("title: Half\nkind: ethernet\nport_namer: toolkit.platforms:linux_port_name\n")
    with pytest.raises(TypeError, match=r"toolkit/platforms/half.yml: .*missing .*'mgmt_port', 'limits', and 'hooks'"):
        platforms.load_platform(tmp_path / "half.yml")
