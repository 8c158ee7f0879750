"""The exact command sequence each vendor driver sends during one successful apply, read from
the STAND-IN's transcript (``tests.standins``: every command the emulated device received).

The configuration lines typed into an EOS session are left out (they are the rendered file);
everything else must match, in order: connect and identity, read, stage and validate, the
device's diff, commit with a timer, read back, confirm, check that the confirm held.
"""

from __future__ import annotations

import re

import pytest

from tests.standin_apply.conftest import Vendor
from toolkit.plan.apply import apply

DEVICE = "fe-leaf01"
CONFIRM = 30
TMP = r"/tmp/aidc-\d{6}-[0-9a-f]+"

EXPECTED: dict[str, list[str]] = {
    "eos": [
        "terminal width 511",
        "terminal length 0",
        "show hostname",
        "show running-config",
        r"configure session (?P<s>aidc-\d{6}-[0-9a-f]+)",
        "rollback clean-config",
        "show session-config diffs",
        "show session-config",
        "end",
        r"configure session (?P=s)",
        "commit timer 00:00:30",
        "show running-config",
        r"configure session (?P=s) commit",
        "# confirmed: (?P=s)",
        "show running-config",
    ],
    "cumulus": [
        "nv config show -r applied -o yaml",
        rf"nv config replace {TMP}\.yaml",
        "nv config show -r pending -o yaml",
        "nv config diff",
        "nv config history",
        "nv config apply --confirm 30s -y",
        "nv config show -r applied -o yaml",
        "nv config apply -y",
        r"# confirmed: revision \d+",
        "nv config history",
        "nv config show -r applied -o yaml",
    ],
    "sonic": [
        "show version",
        "show runningconfiguration all",
        "vtysh -c show running-config",
        "show runningconfiguration all",
        "vtysh -c show running-config",
        rf"config replace --dry-run {TMP}-config_db\.json",
        rf"docker cp {TMP}-frr\.conf bgp:/etc/frr/aidc-intended\.conf",
        "docker exec bgp /usr/lib/frr/frr-reload.py --test --stdout /etc/frr/aidc-intended.conf",
        r"config checkpoint (?P<c>aidc-\d{6}-[0-9a-f]+)",
        rf"config replace {TMP}-config_db\.json",
        rf"docker cp {TMP}-frr\.conf bgp:/etc/frr/aidc-intended\.conf",
        "docker exec bgp /usr/lib/frr/frr-reload.py --reload --stdout /etc/frr/aidc-intended.conf",
        "show runningconfiguration all",
        "vtysh -c show running-config",
        "config save -y",
        "vtysh -c write memory",
        "config delete-checkpoint (?P=c)",
        "show runningconfiguration all",
        "vtysh -c show running-config",
    ],
}


def _without_config_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    typing = False
    for line in lines:
        if line == "rollback clean-config":
            out.append(line)
            typing = True
            continue
        if typing and line.startswith("show session-config"):
            typing = False
        if not typing:
            out.append(line)
    # netmiko's disconnect sends a logout ("exit") without waiting for it: whether the stand-in
    # logged it before the transcript is read is timing, not part of the apply's sequence
    while out and out[-1] == "exit":
        out.pop()
    return out


@pytest.mark.parametrize("vendor", sorted(EXPECTED), indirect=True)
def test_command_sequence_of_one_apply(vendor: Vendor) -> None:
    from tests.standin_apply.test_vendor_apply import CASES

    s = vendor.start(DEVICE, CASES[vendor.platform].initial(DEVICE), confirm_timeout=CONFIRM)
    res = apply(vendor.fabric, vendor.artifacts(), vendor.target())
    assert res.ok, res.device(DEVICE)
    got = _without_config_lines(s.transcript())
    want = EXPECTED[vendor.platform]
    assert len(got) == len(want), "\n".join(got)
    pattern = "\n".join(want)
    assert re.fullmatch(pattern, "\n".join(got)), "\n".join(f"{g!r:70} {w}" for g, w in zip(got, want, strict=True))
