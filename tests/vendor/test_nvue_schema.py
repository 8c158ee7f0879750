"""Cumulus truth: every startup.yaml of every bundled example (native and ``--platform cumulus``),
rendered for each release the cumulus platform claims, is accepted by NVIDIA's NVUE object model
of that release (PyPI ``nvueschema``), made strict (unknown keys refused, on/off strings, no
coercion). The oracle is shown to refuse the defects it exists for.
"""

from __future__ import annotations

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
