"""SONiC truth: every rendered config_db.json, merged onto the CONFIG_DB its HwSKU's image holds,
is accepted by the SONiC YANG models (yanglint) and keeps the SKU's identity, ports, breakout
mode strings and buffer key layout (sonic_check.py). The oracle is the vendor data in
``../shared/vendor/sonic`` (independent of the SKU data aidc ships); the oracle itself is shown
to refuse each defect it exists for.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from toolkit import platforms
from toolkit.rules import validate
from toolkit.spec import load

sonic_yang = pytest.importorskip("sonic_yang")
sonic_check = pytest.importorskip("sonic_check")
corpus = pytest.importorskip("corpus")

if not sonic_yang.SONIC.is_dir():
    pytest.skip(f"SONiC vendor data not found: {sonic_yang.SONIC} (../shared/vendor/sonic)", allow_module_level=True)
if not sonic_yang.YANGLINT:
    pytest.skip("yanglint not installed (Debian libyang2-tools: make apt)", allow_module_level=True)


@pytest.fixture(scope="module")
def oracle() -> Any:
    return sonic_check.SonicOracle()


def test_sku_base_configs_validate(oracle: Any) -> None:
    """The oracle accepts what a fresh image holds (else every figure below is meaningless)."""
    for _model, (_platform, hwsku) in sonic_check.SKU_OF_MODEL.items():
        ok, reasons = oracle.validator.validate(sonic_yang.sku_base(hwsku))
        assert ok, (hwsku, reasons[:3])


def _sample_db() -> tuple[str, dict[str, Any]]:
    """lab-mini's rail leaf forced to SONiC: access ports, lossless QoS, BGP."""
    for it in corpus.items("sonic", ("lab-mini",)):
        if it.device.name == "su1-leaf-rail0":
            return it.device.model, json.loads(it.files["config_db.json"])
    raise AssertionError("su1-leaf-rail0 not rendered")


@pytest.mark.parametrize(
    ("defect", "reason"),
    [
        ("vlan1", "Vlan1"),
        ("hwsku", "DEVICE_METADATA.hwsku"),
        ("brkout", "is not one of"),
        ("alias", "alias"),
        ("phantom_port", "does not exist"),
        ("buffer_overlap", "overlaps"),
        ("bad_speed_type", "speed"),
    ],
)
def test_oracle_refuses_known_defects(oracle: Any, defect: str, reason: str) -> None:
    model, good = _sample_db()
    ok, reasons = oracle.check(model, json.dumps(good))
    assert ok, reasons[:3]
    db = copy.deepcopy(good)
    first_port = sorted(db["PORT"], key=lambda n: int(n.removeprefix("Ethernet")))[0]
    if defect == "vlan1":
        db["VLAN"] = {"Vlan1": {"vlanid": "1"}}
    elif defect == "hwsku":
        db["DEVICE_METADATA"]["localhost"]["hwsku"] = model
    elif defect == "brkout":
        db["BREAKOUT_CFG"] = {first_port: {"brkout_mode": "2x50G"}}
    elif defect == "alias":
        db["PORT"][first_port]["alias"] = "swp1"
    elif defect == "phantom_port":
        db["PORT"]["Ethernet2"] = {"admin_status": "down"}
    elif defect == "buffer_overlap":
        db["BUFFER_PG"] = {f"{first_port}|3": {"profile": "NULL"}}
    elif defect == "bad_speed_type":
        db["PORT"][first_port]["speed"] = "fast"
    ok, reasons = oracle.check(model, json.dumps(db))
    assert not ok
    assert any(reason in r for r in reasons), reasons[:3]


def _removes_ports_with_dependents(model: str, db: dict[str, Any]) -> list[str]:
    """Ports our config deletes (a cage re-laid out from the image's default breakout) that the
    image's buffer / queue tables still reference: ``config load`` cannot remove those references
    (CABLE_LENGTH holds them as fields); SONiC's dynamic port breakout (``config interface
    breakout``) does. KNOWN GAP: aidc does not render the breakout commands yet."""
    _platform, hwsku = sonic_check.SKU_OF_MODEL[model]
    base = sonic_yang.sku_base(hwsku)
    gone = [n for n, e in db.get("PORT", {}).items() if e is None]
    return [n for n in gone if n in base.get("CABLE_LENGTH", {}).get("AZURE", {})]


def test_every_example_validates_merged(oracle: Any) -> None:
    """Native SONiC switches and every switch forced to SONiC: 100% accepted, except the known gap
    above (asserted to fail for exactly that reason, so the test says when it is fixed)."""
    failures: list[str] = []
    gap: list[str] = []
    counts: dict[tuple[str, str], list[int]] = {}
    no_image: list[str] = []
    for it in corpus.items("sonic"):
        text = it.files["config_db.json"]
        if it.device.model not in sonic_check.SKU_OF_MODEL:  # no vendor image data to merge onto
            no_image.append(f"{it.label} ({it.device.model})")
            continue
        ok, reasons = oracle.check(it.device.model, text)
        c = counts.setdefault((it.example, it.mode), [0, 0])
        c[0] += ok
        c[1] += 1
        stale = _removes_ports_with_dependents(it.device.model, json.loads(text))
        if stale:
            assert not ok and any(p in reasons[0] for p in stale), (it.label, reasons[:2])
            gap.append(it.label)
        elif not ok:
            failures.append(f"{it.label}: {reasons[0]}")
    assert counts, "no SONiC switch rendered"
    assert not failures, f"{len(failures)} rejected, e.g. " + "; ".join(failures[:5])
    assert all(g.startswith("cluster-16k/sonic/") for g in gap), gap  # 1x800G uplinks on the SN5600-O128
    # a switch with no vendor image data cannot be checked: validate must refuse it (SKU001), as
    # it does cluster-16k's generic modular OOB chassis (an EOS model) with --platform sonic
    assert all("cluster-16k/sonic/" in x and "(oob-chassis)" in x for x in no_image), no_image
    spec = load(corpus.EXAMPLES / "cluster-16k").spec
    assert spec is not None
    refused = {f.path[-1] for f in validate(spec, try_design=False, platform="sonic") if f.code == "SKU001"}
    assert refused == {"oob-chassis"}, refused


def test_shipped_sku_data_matches_the_vendor_data() -> None:
    """aidc's own SKU data (toolkit/platforms/_sonic_skus.py) says what the image says: HwSKU,
    platform, every front-panel port's name, lanes, alias and breakout mode strings."""
    sonic = platforms.get("sonic")
    for model, (platform, hwsku) in sonic_check.SKU_OF_MODEL.items():
        sku = sonic.sku(model)
        assert sku is not None, model
        assert (sku.hwsku, sku.platform_id) == (hwsku, platform)
        base = sonic_yang.sku_base(hwsku)
        modes = sonic_check.breakout_modes(platform)
        pj = sonic_yang.PLATFORM_DIR / platform / "platform.json"
        parents = json.loads(pj.read_text())["interfaces"] if pj.exists() else None
        for p in sku.ports:
            if parents is not None:
                info = parents[p.name]
                assert ",".join(map(str, p.lanes)) == info["lanes"], p.name
                assert set(p.breakout_modes) == modes[p.name], p.name
            else:  # no platform.json: the SKU's port layout is the only one
                assert ",".join(map(str, p.lanes)) == base["PORT"][p.name]["lanes"], p.name
            if p.name in base["PORT"] and not (parents and len(parents[p.name]["breakout_modes"]) and
                                               base["PORT"][p.name]["alias"] != p.alias):
                assert base["PORT"][p.name]["alias"] in (p.alias, p.alias + "a"), p.name
        front = [n for n in (parents or base["PORT"])]
        assert {p.name for p in sku.ports} == set(front), model
