"""FRR truth for every frr.conf: FRR's own parser (``vtysh --dryrun``, the Debian ``frr`` package)
accepts the frr.conf of every switch of every bundled example that has one — natively (SONiC's bgp
container, the ``frr`` platform) and with every switch forced to ``--platform frr`` and to
``--platform sonic`` (the corpus: cluster-16k sampled, the first and last switch of each role).
The sample must contain what the newest designs add (tenant VRFs with several networks, storage
segments with EVPN-MH bonds, l3ls-evpn), and the parser is shown to refuse a broken segment line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

corpus = pytest.importorskip("corpus")

VTYSH = shutil.which("vtysh")
pytestmark = pytest.mark.skipif(VTYSH is None, reason="vtysh not installed (Debian package frr)")


def check_item(it: corpus.Item, where: Path) -> tuple[bool, list[str]]:
    """For ``make vendor-check``."""
    verdict = dryrun(it.files["frr.conf"], where)
    return not verdict, [verdict]


def dryrun(conf: str, where: Path) -> str:
    """FRR's verdict on ``conf``: empty when every line is accepted."""
    f = where / "frr.conf"
    f.write_text(conf, encoding="utf-8")
    assert VTYSH is not None
    res = subprocess.run([VTYSH, "--dryrun", "--inputfile", str(f)], capture_output=True, text=True, timeout=60)
    return "" if res.returncode == 0 and not (res.stdout + res.stderr).strip() else (
        f"exit {res.returncode}: {(res.stdout + res.stderr).strip()[:300]}")


def frr_items() -> list[corpus.Item]:
    return [it for platform in ("frr", "sonic") for it in corpus.items(platform) if "frr.conf" in it.files]


def test_frr_accepts_every_frr_conf(tmp_path: Path) -> None:
    n = 0
    bad: list[str] = []
    seen = set()
    for it in frr_items():
        conf = it.files["frr.conf"]
        verdict = dryrun(conf, tmp_path)
        n += 1
        if verdict:
            bad.append(f"{it.label}: {verdict}")
        if it.example == "l3ls-evpn":
            seen.add("l3ls-evpn")
        if "\n evpn mh es-id " in conf:
            seen.add("evpn-mh segment")
        if re.search(r"^vrf ", conf, re.M):
            seen.add("tenant vrf")
    assert n, "no frr.conf rendered"
    assert {"l3ls-evpn", "evpn-mh segment", "tenant vrf"} <= seen, seen
    assert not bad, f"FRR refused {len(bad)}/{n} frr.conf: " + "; ".join(bad[:5])
    print(f"\nFRR (vtysh --dryrun): {n}/{n} frr.conf accepted")


def test_frr_refuses_a_broken_segment_line(tmp_path: Path) -> None:
    it = next(it for it in corpus.items("frr", ("superpod-1su",)) if "\n evpn mh es-id " in it.files["frr.conf"])
    conf = it.files["frr.conf"]
    assert not dryrun(conf, tmp_path)
    assert dryrun(conf.replace("\n evpn mh es-id ", "\n evpn mh es-idd ", 1), tmp_path)
    assert dryrun(conf.replace("\n evpn mh es-sys-mac 02:", "\n evpn mh es-sys-mac zz:", 1), tmp_path)
