"""Platform data rules: a SONiC model without SKU data, a catalogue larger than the SKU, a breakout
the platform does not offer and a NOS release aidc does not render are findings (never a
render-time error); the bundled examples have none."""

from __future__ import annotations

from pathlib import Path

from toolkit.rules import validate
from toolkit.spec import load
from toolkit.spec.models import ClusterSpec

ROOT = Path(__file__).resolve().parents[2]


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
    for ex in ("lab-mini", "superpod-1su", "cluster-16k", "superpod-ib-4su"):
        spec = load(ROOT / "inventory" / "examples" / ex).spec
        assert spec is not None
        codes = _codes(spec)
        assert not {"SKU001", "SKU002", "NOS001"} & set(codes), (ex, codes)


def test_examples_forced_to_sonic_have_sku_data() -> None:
    """``--platform sonic`` renders every Ethernet switch for SONiC: each model needs SKU data;
    cluster-16k's generic OOB chassis (an EOS model) has none, and validate says so."""
    for ex in ("lab-mini", "superpod-1su", "cluster-16k", "superpod-ib-4su"):
        spec = load(ROOT / "inventory" / "examples" / ex).spec
        assert spec is not None
        codes = _codes(spec, "sonic")
        if ex == "cluster-16k":
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
    spec.catalog.switches["as7326"].ports = 60  # the AS7326-56X has 56
    msgs = _codes(spec)["SKU001"]
    assert any("catalog.switches.as7326.ports" in m and "56 ports" in m for m in msgs), msgs


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
