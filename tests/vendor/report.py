"""``make vendor-check``: per platform and example, how many rendered files the vendors' own
schemas accept, with the first reasons of the rejected ones.

    python tests/vendor/report.py [sonic] [cumulus] [eos] [frr]

A report, always exit 0: the gate is the pytest suite (tests/vendor/), which fails on any
rejection. A validator
whose data or package is missing is reported as skipped (with what to install).
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import corpus  # noqa: E402

Check = Callable[["corpus.Item"], tuple[bool, list[str]]]


def _table(title: str, items: Iterable[corpus.Item], check: Check, by_platform: bool = False) -> int:
    """``by_platform``: native switches counted per platform (a table of several platforms)."""
    tot: collections.Counter[tuple[str, str]] = collections.Counter()
    good: collections.Counter[tuple[str, str]] = collections.Counter()
    first: dict[tuple[str, str], list[str]] = {}
    for it in items:
        ok, reasons = check(it)
        key = (it.example, f"{it.mode}:{it.device.platform}" if by_platform and it.mode == corpus.NATIVE else it.mode)
        tot[key] += 1
        good[key] += ok
        if not ok:
            first.setdefault(key, []).append(f"{it.device.name}: {reasons[0] if reasons else '?'}")
    bad = 0
    for key in tot:
        n, k = tot[key], good[key]
        bad += n - k
        print(f"{title:<24} {key[0]:<14} {key[1]:<12} {k:>4}/{n:<4} accepted ({100.0 * k / n:5.1f}%)")
        for line in first.get(key, [])[:3]:
            print(f"{'':<24}   rejected {line[:200]}")
    return bad


def sonic() -> int:
    import sonic_yang

    if not sonic_yang.SONIC.is_dir():
        print(f"sonic: SKIPPED, vendor data not found at {sonic_yang.SONIC}")
        return 0
    if not sonic_yang.YANGLINT:
        print("sonic: SKIPPED, yanglint missing (apt-get install libyang2-tools)")
        return 0
    import sonic_check

    oracle = sonic_check.SonicOracle()
    skipped = [it.label for it in corpus.items("sonic") if it.device.model not in sonic_check.SKU_OF_MODEL]
    from toolkit.rules import validate
    from toolkit.spec import load

    for example in corpus.EXAMPLE_NAMES:  # what validate itself refuses, not what the tests stand in for
        spec = load(corpus.EXAMPLES / example).spec
        assert spec is not None, example
        refused = sorted({f.path[-1] for f in validate(spec, try_design=False, platform="sonic")
                          if f.code == "SKU001"})
        if refused:  # validate refuses the example as shipped; the rest of it is checked
            print(f"sonic: {example} --platform sonic REFUSED by validate (SKU001: no SONiC SKU data for "
                  f"{', '.join(refused)}); its other switches checked with a stand-in SKU for those models")
    if skipped:
        print(f"sonic: {len(skipped)} switch(es) of stand-in SKUs (no vendor image data) not checked: {skipped[:3]}")
    return _table("sonic (YANG, merged)",
                  (it for it in corpus.items("sonic") if it.device.model in sonic_check.SKU_OF_MODEL),
                  lambda it: oracle.check(it.device.model, it.files["config_db.json"], it.files.get("breakout.sh")))


def cumulus() -> int:
    try:
        import nvue_check
    except ImportError:
        print("cumulus: SKIPPED, nvueschema missing (pip install -e '.[test]')")
        return 0
    from toolkit import platforms

    bad = 0
    for release in platforms.get("cumulus").os_versions:
        oracle = nvue_check.NvueOracle(release)
        bad += _table(f"cumulus (NVUE {release})", corpus.items("cumulus", release=release),
                      lambda it, o=oracle: o.check(it.files["startup.yaml"]))
    return bad


def eos() -> int:
    try:
        import pyavd  # noqa: F401
    except ImportError:
        print("eos: SKIPPED, pyavd missing (pip install -e '.[test]')")
        return 0
    import eos_avd

    lines: collections.Counter[tuple[str, str]] = collections.Counter()
    same: collections.Counter[tuple[str, str]] = collections.Counter()
    kinds: dict[str, int] = {}

    def check(it: corpus.Item) -> tuple[bool, list[str]]:
        c = eos_avd.compare(it.files["startup-config"])
        lines[it.example, it.mode] += c.ours
        same[it.example, it.mode] += c.same
        for k in eos_avd.kinds(c):
            kinds[k] = kinds.get(k, 0) + 1
        reasons = eos_avd.verdict(c)
        return not reasons, reasons

    bad = _table("eos (pyavd, per line)", corpus.items("eos"), check)
    for key, n in lines.items():
        print(f"{'eos lines = AVD':<24} {key[0]:<14} {key[1]:<12} {same[key]:>6}/{n:<6} identical "
              f"({100.0 * same[key] / n:6.2f}%)")
    from test_eos_avd import KNOWN

    for k, n in sorted(kinds.items()):
        print(f"eos difference in {n} config(s): {k}\n    decision: {KNOWN.get(k, 'NONE (fails the test)')}")
    return bad


def frr() -> int:
    import tempfile

    import test_frr_parser

    if test_frr_parser.VTYSH is None:
        print("frr: SKIPPED, vtysh missing (apt-get install frr)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        return _table("frr (vtysh --dryrun)", test_frr_parser.frr_items(),
                      lambda it: test_frr_parser.check_item(it, Path(tmp)), by_platform=True)


def main(argv: list[str]) -> int:
    chosen = argv or ["sonic", "cumulus", "eos", "frr"]
    bad = sum({"sonic": sonic, "cumulus": cumulus, "eos": eos, "frr": frr}[name]() for name in chosen)
    print(f"vendor-check: {'all accepted' if not bad else f'{bad} file(s) rejected'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
