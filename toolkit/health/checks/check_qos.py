"""Lossless RoCE QoS on every port the Fabric makes lossless: PFC on the lossless priority only,
DSCP trusted and mapped as the QoS profile says.

Readers: Linux DCB (``dcb``) for the frr platform and hosts — where the driver has no DCB (veth in
the lab, many NICs) Linux cannot report PFC, so the check is "not applicable"; SONiC from
CONFIG_DB. Other platforms have no reader yet (skipped, not passed).
"""

from __future__ import annotations

import json
import shlex

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on, not_applicable
from toolkit.health.model import Case
from toolkit.session import Sessions

pytestmark = pytest.mark.layer("qos")


def _dcb(target: Sessions, case: Case) -> tuple[set[int], dict[int, int] | None]:
    ifname = shlex.quote(case.expect["ifname"])
    res = target.run(case.device, target.privileged(f"dcb -j pfc show dev {ifname} prio-pfc"), timeout=10)
    if res.rc != 0:
        err = (res.stderr or res.stdout).strip()
        if "not supported" in err.lower() or "no such file" in err.lower():
            not_applicable(f"{case.where}: no DCB on this port's driver, Linux cannot report PFC ({err[:80]})")
        fail_on([f"{case.where}: cannot read PFC state: {err[:200]}"])
    enabled = evaluate.parse_dcb_pfc(json.loads(res.stdout or "{}"))
    app = target.run(case.device, target.privileged(f"dcb -j app show dev {ifname} dscp-prio"), timeout=10)
    dscp = evaluate.parse_dcb_dscp(json.loads(app.stdout or "{}")) if app.rc == 0 else None
    return enabled, dscp


def _sonic(target: Sessions, case: Case) -> tuple[set[int], dict[int, int] | None]:
    key = shlex.quote(f"PORT_QOS_MAP|{case.expect['ifname']}")
    out = target.check_output(case.device, target.privileged(f"sonic-db-cli CONFIG_DB HGET {key} pfc_enable"))
    enabled = {int(x) for x in out.strip().split(",") if x.strip().isdigit()}
    maps = target.check_output(case.device, target.privileged("sonic-db-cli CONFIG_DB KEYS 'DSCP_TO_TC_MAP|*'"))
    dscp: dict[int, int] | None = None
    names = [x for x in maps.split() if x.startswith("DSCP_TO_TC_MAP|")]
    if names:
        raw = target.check_output(
            case.device, target.privileged(f"sonic-db-cli --json CONFIG_DB HGETALL {shlex.quote(names[0])}")
        )
        try:
            dscp = {int(k): int(v) for k, v in json.loads(raw or "{}").items()}
        except ValueError:
            dscp = None
    return enabled, dscp


@pytest.mark.cases("qos_ports")
def test_lossless_pfc(case: Case, target: Sessions) -> None:
    if not target.hardware:
        not_applicable(f"{target.name}: ports are veth pairs without DCB; Linux cannot report PFC")
    platform = case.expect["platform"]
    if platform in ("frr", "linux"):
        enabled, dscp = _dcb(target, case)
    elif platform == "sonic":
        enabled, dscp = _sonic(target, case)
    else:
        pytest.skip(f"{case.where}: no PFC reader for platform {platform} yet")
    fail_on(evaluate.pfc(case, enabled, dscp))
