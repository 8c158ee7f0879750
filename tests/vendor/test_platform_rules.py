"""Platform data rules: a SONiC model without SKU data, a catalogue larger than the SKU, a breakout
the platform does not offer and a NOS release aidc does not render are findings (never a
render-time error); the bundled examples have none."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.design.model import Fabric
from toolkit.rules import validate
from toolkit.spec import load
from toolkit.spec.models import ClusterSpec, UplinkCages

ROOT = Path(__file__).resolve().parents[2]
# every bundled example (cluster-100k too: validate without designing is quick)
EXAMPLES = sorted(p.name for p in (ROOT / "inventory" / "examples").iterdir() if p.is_dir())


def _spec() -> ClusterSpec:
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    return spec


def _codes(spec: ClusterSpec, platform: str | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in validate(spec, try_design=False, platform=platform):
        out.setdefault(f.code, []).append(f"{'.'.join(map(str, f.path))}: {f.message} ({f.hint})")
    return out


def test_examples_have_no_platform_data_findings() -> None:
    assert {"l3ls-evpn", "superpod-1su"} <= set(EXAMPLES), EXAMPLES
    for ex in EXAMPLES:
        spec = load(ROOT / "inventory" / "examples" / ex).spec
        assert spec is not None
        codes = _codes(spec)
        assert not {"SKU001", "SKU002", "NOS001"} & set(codes), (ex, codes)


def test_examples_forced_to_sonic_have_sku_data() -> None:
    """``--platform sonic`` renders every Ethernet switch for SONiC: each model needs SKU data;
    cluster-16k's and cluster-100k's generic OOB chassis (an EOS model) has none, and validate says so."""
    assert {"l3ls-evpn", "superpod-1su"} <= set(EXAMPLES), EXAMPLES
    for ex in EXAMPLES:
        spec = load(ROOT / "inventory" / "examples" / ex).spec
        assert spec is not None
        codes = _codes(spec, "sonic")
        if ex in ("cluster-16k", "cluster-100k"):
            assert codes.keys() & {"SKU001", "SKU002"} == {"SKU001"}, codes
            assert len(codes["SKU001"]) == 1 and codes["SKU001"][0].startswith("catalog.switches.oob-chassis:")
            assert "platform eos, rendered with --platform sonic" in codes["SKU001"][0]
        else:
            assert not {"SKU001", "SKU002"} & set(codes), (ex, codes)


def test_forced_model_without_sku_data() -> None:
    """A model of another platform (superpod-ib-4su's storage fabric on a Cumulus-only model
    aidc has no SONiC data for) validates natively and is refused with --platform sonic; the
    InfiniBand switches are never forced, the OOB aggregation model is checked too."""
    spec = load(ROOT / "inventory" / "examples" / "superpod-ib-4su").spec
    assert spec is not None
    sw = dict(spec.catalog.switches)
    sw["sn5400"] = sw["sn5600"].model_copy(update={"ports": 64, "speed": "400G", "breakouts": ["2x200G"]})
    sw["oob-router"] = sw["sn2201"].model_copy(update={"platform": "eos"})
    spec.catalog.switches = sw
    st = spec.networks.storage.fabric  # type: ignore[union-attr]
    st.leaf.model = st.spine.model = "sn5400"
    st.leaf.breakout = st.spine.breakout = "2x200G"
    spec.networks.oob.aggregation.model = "oob-router"  # type: ignore[union-attr]
    assert "SKU001" not in _codes(spec)
    msgs = _codes(spec, "sonic")["SKU001"]
    assert sorted(m.split(":")[0] for m in msgs) == ["catalog.switches.oob-router", "catalog.switches.sn5400"], msgs
    assert all("has no SKU data" in m and "--platform sonic" in m for m in msgs), msgs
    assert "SKU001" not in _codes(spec, "frr")
    # the design does not invent the hardware either (it used to give such a model a made-up
    # regular layout of SONiC names, lanes and aliases): it refuses, naming what to add
    from toolkit.design import DesignError, design

    with pytest.raises(DesignError, match=r"no SKU data .*catalog\.switches\.(sn5400|oob-router)\.sonic"):
        design(spec, platform="sonic")


def test_sonic_model_without_sku_data() -> None:
    spec = _spec()
    sw = dict(spec.catalog.switches)
    sw["zz9000"] = sw["as7326"].model_copy()
    spec.catalog.switches = sw
    spec.networks.business.leaf.model = "zz9000"  # type: ignore[union-attr]
    msgs = _codes(spec)["SKU001"]
    assert any("has no SKU data" in m and "catalog.switches.zz9000.sonic" in m for m in msgs), msgs


def test_more_cages_than_the_sku() -> None:
    spec = _spec()
    spec.catalog.switches["as7326"].ports = 60  # the AS7326-56X has 48 x 25G + 8 x 100G
    msgs = _codes(spec)["SKU003"]
    assert any("catalog.switches.as7326.ports" in m and "port 49 is Ethernet48, a 100G cage" in m
               and "uplink_cages: {ports: 8, speed: 100G}" in m for m in msgs), msgs


def test_catalogue_cages_must_match_the_sku_on_any_platform() -> None:
    """The SN2201 is 48 x 1G RJ45 + 4 x 100G QSFP28: a catalogue saying 52 x 1G (cluster-100k did)
    is refused by validate, for its own platform (Cumulus) too, with file, line and what to write
    — before, it validated and ``render --platform sonic`` raised "ACS-SN2201 port Ethernet48
    offers no 1x1G breakout"."""
    from toolkit.rules import validate as validate_located

    root = ROOT / "inventory" / "examples" / "lab-mini"
    loaded = load(root)
    assert loaded.spec is not None
    spec = loaded.spec
    spec.catalog.switches["sn2201"].ports = 52
    found = [f for f in validate_located(spec, loaded.sources, try_design=False) if f.code == "SKU003"]
    assert len(found) == 1, found
    f = found[0]
    assert f.path == ["catalog", "switches", "sn2201", "ports"]
    assert f.file and f.file.endswith("catalog.yml") and f.line, f
    assert "Ethernet48, Ethernet52, Ethernet56, Ethernet60" in f.message
    assert "uplink_cages: {ports: 4, speed: 100G}" in (f.hint or "")
    spec.catalog.switches["sn2201"].ports = 48
    spec.catalog.switches["sn2201"].speed = "10G"
    assert [f.path for f in validate(spec, try_design=False) if f.code == "SKU003"] == [
        ["catalog", "switches", "sn2201", "speed"]]
    spec.catalog.switches["sn2201"].speed = "1G"
    spec.catalog.switches["sn2201"].uplink_cages = UplinkCages(ports=4, speed="400G")
    assert [f.path for f in validate(spec, try_design=False) if f.code == "SKU003"] == [
        ["catalog", "switches", "sn2201", "uplink_cages"]]


def _grouped(platform: str | None) -> Fabric:
    from toolkit.design import design

    spec = _spec()
    spec.catalog.switches["sn2201"].uplink_cages = UplinkCages(ports=4, speed="100G")
    assert spec.networks.oob.aggregation is not None
    spec.networks.oob.aggregation.model = "sn2700"  # a 100G pair for the 100G uplinks
    errors = [f for f in validate(spec, platform=platform) if f.severity == "error"]
    assert not errors, errors
    return design(spec, platform=platform)


def test_mixed_port_groups_uplinks_on_the_100g_cages() -> None:
    """With uplink_cages the OOB switch's uplinks go on the SN2201's QSFP28 cages (cage 49.., at
    100G), every RJ45 port faces the rack, and each platform names them as the hardware does:
    SONiC Ethernet48 (the SKU's name and lanes), Cumulus swp49."""
    import json

    from toolkit.render.core import environment
    from toolkit.render.switches import render_device

    for platform, first_up in (("sonic", "Ethernet48"), (None, "swp49")):
        fab = _grouped(platform)
        osw = fab.devices["su1-r01-oob"]
        ups = [p for p in osw.ports if p.role == "oob-uplink"]
        assert ups and ups[0].name == first_up and ups[0].cage == 49 and ups[0].speed == 100, ups
        assert osw.cage_count == 52 and osw.native_speed(49) == 100 and osw.native_speed(48) == 1
        assert all(p.cage <= 48 and p.speed == 1 for p in osw.ports if p.role == "oob-access"), osw.name
        files = render_device(osw, fab, environment())
        if platform == "sonic":
            db = json.loads(files["config_db.json"])
            assert db["PORT"]["Ethernet48"]["speed"] == "100000"
            assert db["PORT"]["Ethernet47"]["speed"] == "1000"
            assert not any(n in db["PORT"] for n in ("Ethernet49", "Ethernet64"))


def test_breakout_the_platform_does_not_offer() -> None:
    spec = _spec()
    sn2700 = spec.catalog.switches["sn2700"]
    sn2700.platform = "sonic"
    spec.networks.compute.leaf.breakout = "4x25G"  # SONiC's SN2700 offers 1x100G and 2x50G only
    msgs = _codes(spec)["SKU002"]
    assert any("networks.compute.leaf.breakout" in m and "2x50G[25G,10G]" in m for m in msgs), msgs


def test_unknown_release() -> None:
    spec = _spec()
    spec.catalog.switches["sn2700"].os_version = "5.2"
    spec.site.os_versions = {"cumulus": "9.9", "nos": "1"}
    msgs = _codes(spec)["NOS001"]
    assert any("catalog.switches.sn2700.os_version" in m and "5.11" in m for m in msgs), msgs
    assert any("site.os_versions.cumulus" in m for m in msgs), msgs
    assert any("site.os_versions.nos" in m and "unknown platform" in m for m in msgs), msgs


def test_catalogue_describes_a_sonic_sku() -> None:
    """A model aidc has no data for is accepted once the catalogue gives its HwSKU and platform;
    the design names its ports by the regular layout and the config carries that HwSKU."""
    from toolkit.design import design
    from toolkit.render.core import environment
    from toolkit.render.switches import render_device
    from toolkit.spec.models import SonicSkuSpec

    spec = _spec()
    sw = dict(spec.catalog.switches)
    sw["zz9000"] = spec.catalog.switches["sn2700"].model_copy(
        update={"platform": "sonic", "sonic": SonicSkuSpec(hwsku="Vendor-ZZ9000", platform="x86_64-zz_9000-r0")})
    spec.catalog.switches = sw
    spec.networks.compute.leaf.model = "zz9000"
    assert not {"SKU001", "SKU002"} & set(_codes(spec))
    fab = design(spec)
    leaf = fab.devices["su1-leaf-rail0"]
    assert fab.skus["zz9000"].hwsku == "Vendor-ZZ9000"
    assert {p.name for p in leaf.ports if p.role != "mgmt"} <= {f"Ethernet{4 * i}" for i in range(32)}
    text = render_device(leaf, fab, environment())["config_db.json"]
    assert '"hwsku": "Vendor-ZZ9000"' in text and '"platform": "x86_64-zz_9000-r0"' in text
