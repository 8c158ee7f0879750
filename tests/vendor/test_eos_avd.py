"""EOS truth (the best there is offline): every rendered startup-config is mapped to Arista AVD's
``eos_cli_config_gen`` structured config (eos_avd.py), AVD must accept it, and AVD's own text for
it must match ours line by line. Every remaining difference is listed here with the decision
taken; any other difference fails. The running-config normalisation test checks that we print no
line EOS leaves out of its running config (defaults), which ``aidc plan`` would show as drift.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pyavd", reason="pyavd (Arista AVD) not installed: pip install -e '.[test]'")
eos_avd = pytest.importorskip("eos_avd")
corpus = pytest.importorskip("corpus")

KNOWN = {
    # AVD's ethernet_interfaces have no per-interface PFC watchdog: AVD writes the same EOS command
    # inside a `qos profile` (qos_profiles[].priority_flow_control.watchdog). EOS accepts it on the
    # interface too; the Fabric decides the watchdog per lossless port, so it stays on the port.
    "ours: interface * / priority-flow-control pause watchdog":
        "kept: per-port watchdog; AVD models it only in qos_profiles",
    # Same for strict priority of the CNP queue: AVD's tx_queues on an interface carry ECN/WRED
    # only; strict priority is qos_profiles[].tx_queues[].priority. Valid EOS interface command.
    "ours: interface * / tx-queue N / priority strict":
        "kept: per-port strict CNP queue; AVD models it only in qos_profiles",
}
# Decided and fixed (no longer differences, asserted absent below):
FIXED = {
    "bgp bestpath as-path multipath-relax": "dropped on EOS: it is the EOS command (router bgp), and EOS's default "
    "— EOS puts paths of equal AS-path length in one ECMP group whatever their ASNs unless `no bgp bestpath as-path "
    "multipath-relax` is configured (Arista TOI 'BGP multipath relax', eos.arista.com), so the running config "
    "never prints it (DEFAULT_ONLY) and AVD has no field for it; aidc's ECMP needs exactly that default",
    "logging vrf V host H 514 protocol udp": "written `logging vrf V host H`: udp/514 are EOS defaults the running "
    "config omits (they were permanent drift in aidc plan)",
    "lldp run": "dropped: LLDP runs by default on EOS and `lldp run` never appears in the running config",
}

# lines EOS never prints back in `show running-config` (defaults): rendering one is permanent drift
DEFAULT_ONLY = [
    re.compile(r"^lldp run$"),
    re.compile(r"^logging .* 514 protocol udp$"),
    re.compile(r"^   vxlan udp-port 4789$"),
    re.compile(r"^   bgp bestpath as-path multipath-relax$"),
    re.compile(r"^no ip routing$"),
]


def running_config_form(text: str) -> str:
    """Our startup-config as EOS prints it back: default-only lines removed."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not any(p.match(line.rstrip("\n")) for p in DEFAULT_ONLY))


def test_every_config_matches_avd_line_by_line() -> None:
    total = same = 0
    unknown: dict[str, str] = {}
    n = 0
    for it in corpus.items("eos"):
        c = eos_avd.compare(it.files["startup-config"])
        assert not c.violations, (it.label, c.violations[:3])
        assert {eos_avd._generic((), u) for u in c.unmapped} <= eos_avd.KNOWN_UNMAPPED, (it.label, c.unmapped[:3])
        for k in eos_avd.kinds(c) - set(KNOWN):
            unknown.setdefault(k, it.label)
        total += c.ours
        same += c.same
        n += 1
    assert n, "no EOS switch rendered"
    assert not unknown, f"differences nobody decided on: {unknown}"
    print(f"\nEOS vs AVD: {same}/{total} lines identical ({100.0 * same / total:.2f}%) on {n} configs")


def test_fixed_differences_stay_fixed() -> None:
    for it in corpus.items("eos", ("lab-mini",)):
        text = it.files["startup-config"]
        assert "multipath-relax" not in text and "lldp run" not in text and "protocol udp" not in text, it.label


def test_running_config_form() -> None:
    """What we render is what EOS prints back: normalising it the way EOS does changes nothing."""
    for it in corpus.items("eos"):
        text = it.files["startup-config"]
        assert running_config_form(text) == text, it.label


def test_normaliser_and_comparison_catch_drift_and_mistakes() -> None:
    it = next(iter(corpus.items("eos", ("lab-mini",))))
    text = it.files["startup-config"]
    assert running_config_form("lldp run\n" + text) == text
    # a line AVD writes differently is a difference of a kind nobody decided on
    bad = text.replace("   no switchport\n", "   no switchport\n   switchport trunk allowed vlan 5\n", 1)
    c = eos_avd.compare(bad)
    assert c.unmapped or (eos_avd.kinds(c) - set(KNOWN))
    # a value AVD refuses is reported
    c = eos_avd.compare(text.replace("   mtu 9214\n", "   mtu 99999\n", 1))
    assert c.violations or eos_avd.kinds(c) - set(KNOWN)
