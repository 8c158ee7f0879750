"""Cumulus truth: every startup.yaml of every bundled example (native and ``--platform cumulus``),
rendered for each release the cumulus platform claims, is accepted by NVIDIA's NVUE object model
of that release (PyPI ``nvueschema``), made strict (unknown keys refused, on/off strings, no
coercion). The oracle is shown to refuse the defects it exists for.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolkit import platforms
from toolkit.design import design
from toolkit.spec import load

pytest.importorskip("nvueschema", reason="nvueschema (NVUE models) not installed: pip install -e '.[test]'")
nvue_check = pytest.importorskip("nvue_check")
corpus = pytest.importorskip("corpus")

CLAIMED = platforms.get("cumulus").os_versions


def test_release_copy_is_what_the_design_makes() -> None:
    """The per-release copies above equal a design with ``site.os_versions`` set."""
    spec = load(corpus.EXAMPLES / "lab-mini").spec
    assert spec is not None
    spec.site.os_versions = {"cumulus": "5.11"}
    fab = design(spec)
    for dev in corpus.fabric("lab-mini", corpus.NATIVE).switches():
        want = dev.model_copy(update={"os_version": "5.11"}) if dev.platform == "cumulus" else dev
        assert fab.devices[dev.name] == want, dev.name


def test_claimed_releases_are_known_to_the_schema() -> None:
    assert {"5.11", "5.14"} <= set(CLAIMED)
    assert set(CLAIMED) <= set(nvue_check.releases())


@pytest.mark.parametrize("release", CLAIMED)
def test_every_example_validates(release: str) -> None:
    oracle = nvue_check.NvueOracle(release)
    failures: list[str] = []
    n = 0
    for it in corpus.items("cumulus", release=release):
        assert it.device.os_version == release, it.label
        ok, reasons = oracle.check(it.files["startup.yaml"])
        n += 1
        if not ok:
            failures.append(f"{it.label}: {reasons[0]}")
    assert n, "no Cumulus switch rendered"
    assert not failures, f"{len(failures)}/{n} rejected by NVUE {release}, e.g. " + "; ".join(failures[:5])


def _doc(release: str) -> str:
    for it in corpus.items("cumulus", ("lab-mini",), release=release):
        if it.device.name == "su1-leaf-rail0":
            text: str = it.files["startup.yaml"]
            return text
    raise AssertionError("su1-leaf-rail0 not rendered")


def _set(text: str) -> dict[str, Any]:
    doc = nvue_check.load(text)
    out: dict[str, Any] = doc[0]["set"]
    return out


@pytest.mark.parametrize(
    ("release", "mutate", "reason"),
    [
        ("5.11", lambda s: s["system"].__setitem__("timezone", "UTC"), "timezone"),
        ("5.14", lambda s: s["system"].__setitem__("timezone", "UTC"), "timezone"),
        # the two syslog forms are each refused by the other release
        ("5.14", lambda s: s.setdefault("service", {}).__setitem__(
            "syslog", {"mgmt": {"server": {"10.0.0.1": {"port": 514}}}}), "syslog"),
        ("5.11", lambda s: s["system"].__setitem__("syslog", {"server": {"10.0.0.1": {"vrf": "mgmt"}}}), "syslog"),
        ("5.14", lambda s: s["system"].__setitem__("hostnme", "x"), "hostnme"),
        ("5.14", lambda s: s["service"]["lldp"].__setitem__("state", True), "state"),
    ],
)
def test_oracle_refuses_known_defects(release: str, mutate: Any, reason: str) -> None:
    import yaml

    oracle = nvue_check.NvueOracle(release)
    text = _doc(release)
    assert oracle.check(text) == (True, [])
    tree = _set(text)
    mutate(tree)
    ok, reasons = oracle.check(yaml.safe_dump([{"set": tree}]))
    assert not ok
    assert any(reason in r for r in reasons), reasons[:3]


def _has_int(v: Any) -> bool:
    if isinstance(v, dict):
        return any(_has_int(x) for x in v.values())
    return isinstance(v, int) and not isinstance(v, bool)


def running_form(text: str, release: str) -> dict[str, Any]:
    """The ``set`` document as NVUE's object model of ``release`` holds it and prints it back
    (``nv config show -o yaml``): every value in the schema's type, only what was set."""
    model = nvue_check.root_model(release)
    s = _set(text)
    back: dict[str, Any] = model.model_validate_json(json.dumps(s)).model_dump(
        mode="json", exclude_unset=True, by_alias=True)
    return back


@pytest.mark.parametrize("release", ["5.11", "5.14"])
def test_running_config_form(release: str) -> None:
    """Normalised the way NVUE reads and prints it, every startup.yaml is unchanged (no plan
    drift); a value in another type than the schema's (NVUE would print it converted) is not."""
    n = 0
    for it in corpus.items("cumulus", release=release):
        assert running_form(it.files["startup.yaml"], release) == _set(it.files["startup.yaml"]), it.label
        n += 1
    assert n
    text = _doc(release)
    s = _set(text)
    node: Any = s  # the first integer of the document written as a string ("9216")
    while True:
        key = next(k for k, v in node.items() if isinstance(v, dict | int) and not isinstance(v, bool)
                   and (isinstance(v, int) or _has_int(v)))
        if isinstance(node[key], int):
            node[key] = str(node[key])
            break
        node = node[key]
    bad = "- set: " + json.dumps(s) + "\n"
    assert running_form(bad, release) != _set(bad)


# Defaults NVIDIA documents outside the object model's field descriptions (generic path -> value).
# Every other default comes from the model itself (nvue_check.described_default: "This feature is
# enabled/disabled by default", "If 'X', ... This is the default").
DOCUMENTED_DEFAULTS = {
    # "IEEE 802.3ad link aggregation is the default mode" (Cumulus Linux 5.x user guide, Bonding -
    # Link Aggregation, docs.nvidia.com/networking-ethernet-software/cumulus-linux-58/Layer-2/
    # Bonding-Link-Aggregation/); NVUE's name for 802.3ad is `lacp`
    "/interface/*/bond/mode": "lacp",
    # `nv show nve vxlan` on a switch that never set it: port 4789 (NVUE reference, Show Commands /
    # VXLAN, docs.nvidia.com/networking-ethernet-software/nvue-reference/Show-Commands/VXLAN/);
    # IANA's VXLAN port
    "/nve/vxlan/port": "4789",
}
# Keys we render whose value equals a default, kept on purpose (generic path -> why NVUE prints it).
KEPT_DEFAULTS: dict[str, str] = {}


def _generic(path: str) -> str:
    import re

    return re.sub(r"/\{[^}]*\}", "/*", path)


@pytest.mark.parametrize("release", CLAIMED)
def test_no_default_valued_key(release: str) -> None:
    """No key of any startup.yaml holds the value NVUE has by default: NVUE would not print it back
    (``nv config show -r applied``), a permanent difference against what we render."""
    model = nvue_check.root_model(release)
    found: dict[str, list[str]] = {}
    n = 0
    for it in corpus.items("cumulus", release=release):
        n += 1
        for path, value in nvue_check.default_valued(_set(it.files["startup.yaml"]), model, DOCUMENTED_DEFAULTS):
            if _generic(path) not in KEPT_DEFAULTS:
                found.setdefault(f"{_generic(path)} = {value}", []).append(it.label)
    assert n
    assert not found, "default-valued keys (NVUE leaves them out): " + "; ".join(
        f"{k} ({len(v)}x, e.g. {v[0]})" for k, v in found.items())


@pytest.mark.parametrize("release", ["5.11", "5.14"])
def test_default_valued_keys_are_found(release: str) -> None:
    """The check is able to fail: the defaults we used to render are found again."""
    model = nvue_check.root_model(release)
    s = _set(_doc(release))
    bgp = s["vrf"]["default"]["router"]["bgp"]
    bgp["address-family"]["ipv4-unicast"]["enable"] = "on"
    peer = next(iter(bgp["neighbor"]))
    bgp["neighbor"][peer].setdefault("address-family", {}).setdefault("ipv4-unicast", {})["enable"] = "on"
    s.setdefault("nve", {}).setdefault("vxlan", {})["port"] = 4789
    found = {_generic(p) for p, _v in nvue_check.default_valued(s, model, DOCUMENTED_DEFAULTS)}
    assert found == {"/vrf/*/router/bgp/address-family/ipv4-unicast/enable",
                     "/vrf/*/router/bgp/neighbor/*/address-family/ipv4-unicast/enable", "/nve/vxlan/port"}
    off = "Turn the feature 'on' or 'off'.  This feature is disabled by default."
    assert nvue_check.described_default(off) == "off"
    assert nvue_check.described_default("If 'auto', inherit from the global config.  This is the default.") == "auto"
    assert nvue_check.described_default("Interface MTU") is None
