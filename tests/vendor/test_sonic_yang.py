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


def _check(oracle: Any, it: Any) -> tuple[bool, list[str]]:
    return oracle.check(it.device.model, it.files["config_db.json"], it.files.get("breakout.sh"))


def test_every_example_validates_merged(oracle: Any) -> None:
    """Native SONiC switches and every switch forced to SONiC: 100% accepted — the switch's
    breakout.sh (SONiC dynamic port breakout, simulated from platform.json: a stand-in, no SONiC
    switch runs here) applied to the image's CONFIG_DB, then config_db.json merged on top."""
    failures: list[str] = []
    counts: dict[tuple[str, str], list[int]] = {}
    no_image: list[str] = []
    relaid = 0
    for it in corpus.items("sonic"):
        if it.device.model not in sonic_check.SKU_OF_MODEL:  # no vendor image data to merge onto
            no_image.append(f"{it.label} ({it.device.model})")
            continue
        ok, reasons = _check(oracle, it)
        relaid += "breakout.sh" in it.files
        c = counts.setdefault((it.example, it.mode), [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            failures.append(f"{it.label}: {reasons[0]}")
    assert counts, "no SONiC switch rendered"
    assert not failures, f"{len(failures)} rejected, e.g. " + "; ".join(failures[:5])
    assert relaid, "no switch of the corpus re-lays out a cage: the DPB path is not exercised"
    # a switch with no vendor image data cannot be checked: validate must refuse it (SKU001), as
    # it does cluster-16k's generic modular OOB chassis (an EOS model) with --platform sonic
    assert all("cluster-16k/sonic/" in x and "(oob-chassis)" in x for x in no_image), no_image
    spec = load(corpus.EXAMPLES / "cluster-16k").spec
    assert spec is not None
    refused = {f.path[-1] for f in validate(spec, try_design=False, platform="sonic") if f.code == "SKU001"}
    assert refused == {"oob-chassis"}, refused


def test_relaid_cages_need_the_breakout_flow(oracle: Any) -> None:
    """cluster-16k's spines run 1x800G uplinks on the SN5600-O128, whose image installs 2x400G: a
    ``config load`` merge alone cannot remove the image's second port of the cage (its QUEUE /
    BUFFER_PG / CABLE_LENGTH references stay), so the oracle refuses config_db.json without the
    DPB commands and accepts it with them; the commands name the platform's mode string."""
    it = next(i for i in corpus.items("sonic", ("cluster-16k",)) if "breakout.sh" in i.files)
    ok, reasons = oracle.check(it.device.model, it.files["config_db.json"])
    assert not ok and reasons, it.label
    commands, other = sonic_check.breakout_script(it.files["breakout.sh"])
    assert commands and not other, it.files["breakout.sh"]
    assert all(mode == "1x800G[400G,200G,100G,50G,40G,25G,10G]" for _p, mode in commands), commands
    ok, reasons = _check(oracle, it)
    assert ok, reasons[:3]
    bad = it.files["breakout.sh"].replace("1x800G[400G,", "1x800G[", 1)
    ok, reasons = oracle.check(it.device.model, it.files["config_db.json"], bad)
    assert not ok and "is not one of" in reasons[0], reasons[:2]


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


def running_form(config_db_text: str) -> str:
    """Our config_db.json as SONiC prints it back (``show runningconfiguration all`` /
    ``sonic-cfggen -d --print-data``): CONFIG_DB keeps every field as a Redis string, a list as
    ``field@ = "a,b"`` read back as a list of strings, an entry written ``null`` does not exist;
    printed as JSON with sorted keys and 4-space indent."""
    def typed(v: Any) -> Any:
        return [str(x) for x in v] if isinstance(v, list) else str(v)

    db = json.loads(config_db_text)
    back = {t: {k: {f: typed(v) for f, v in e.items()} for k, e in entries.items() if e is not None}
            for t, entries in db.items()}
    return json.dumps(back, sort_keys=True, indent=4) + "\n"


def test_running_config_form() -> None:
    """What we render for the keys we write is what SONiC prints back (no plan drift): the
    normaliser changes nothing on any rendered switch, and it does change a value SONiC would
    print differently."""
    n = 0
    for it in corpus.items("sonic"):
        text = it.files["config_db.json"]
        assert running_form(text) == text, it.label
        n += 1
    assert n
    db = json.loads(text)
    db["DEVICE_METADATA"]["localhost"]["bgp_asn"] = 65001  # a number: Redis stores "65001"
    written = json.dumps(db, sort_keys=True, indent=4) + "\n"
    assert running_form(written) != written


def _printed(db: dict[str, Any]) -> dict[str, Any]:
    """CONFIG_DB as the switch prints it back (``show runningconfiguration all``, i.e.
    ``sonic-cfggen -d --print-data``): Redis hashes, so every value a string (leaf-lists, the
    ``@`` fields, as lists of strings), in the switch's own key order (here: reversed)."""
    def typed(v: Any) -> Any:
        return [str(x) for x in v] if isinstance(v, list) else str(v)

    return {t: {k: {f: typed(v) for f, v in reversed(row.items())} for k, row in reversed(rows.items())}
            for t, rows in reversed(db.items())}


def test_planner_compares_the_printed_form() -> None:
    """The SONiC driver's check after a push (``runs_candidate``: the CONFIG_DB read back must be
    the merged one it staged) holds for every rendered switch: the switch holding its image's
    CONFIG_DB (the SKU base: lanes, aliases, buffers, the fields the image has and we do not set),
    our tables merged on top (``merged_db``) and printed back as the switch prints them. A value
    in another form than the printed one (a number) would fail it: a permanent difference."""
    from types import SimpleNamespace

    from toolkit.drivers.sonic import SonicDriver, merged_db

    def staged(rendered: dict[str, Any], base: dict[str, Any]) -> tuple[SimpleNamespace, dict[str, Any]]:
        drv = SimpleNamespace(conn=SimpleNamespace(put_file=lambda *_a, **_k: None), path=lambda w: w,
                              candidate=None)
        merged = merged_db(base, rendered)
        SonicDriver._put_db(drv, merged)  # type: ignore[arg-type]
        return drv, merged

    def read_back(drv: SimpleNamespace, printed: dict[str, Any]) -> str:
        drv.read_db, drv.read_frr = (lambda: printed), (lambda: "frr\n")
        return SonicDriver.read_config(drv)  # type: ignore[arg-type]

    n = 0
    for it in corpus.items("sonic"):
        if it.device.model not in sonic_check.SKU_OF_MODEL:
            continue
        base = sonic_yang.sku_base(sonic_check.SKU_OF_MODEL[it.device.model][1])
        drv, merged = staged(json.loads(it.files["config_db.json"]), base)
        assert SonicDriver.runs_candidate(drv, read_back(drv, _printed(merged))), it.label  # type: ignore[arg-type]
        n += 1
    assert n
    rendered = json.loads(it.files["config_db.json"])
    rendered["DEVICE_METADATA"]["localhost"]["bgp_asn"] = 65001  # Redis stores and prints "65001"
    drv, merged = staged(rendered, base)
    assert not SonicDriver.runs_candidate(drv, read_back(drv, _printed(merged)))  # type: ignore[arg-type]
