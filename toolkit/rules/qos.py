"""QOS rules: RoCE lossless priority, CNP and ECN."""

from __future__ import annotations

from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out


@rule("QOS001", "error")
def _pfc(c: RuleCtx) -> Out:
    """the PFC priority is the RoCE traffic class"""
    q = c.spec.qos
    if q.pfc_priority != q.roce_priority:
        yield ("qos", "pfc_priority"), f"PFC on {q.pfc_priority}, RoCE on {q.roce_priority}", "make them equal"


@rule("QOS002", "error")
def _cnp(c: RuleCtx) -> Out:
    """CNPs use their own strict priority, not the lossless one"""
    q = c.spec.qos
    if q.cnp_priority == q.pfc_priority:
        yield ("qos", "cnp_priority"), f"CNP priority {q.cnp_priority} is the PFC priority", "use 6"


@rule("QOS003", "error")
def _dscp(c: RuleCtx) -> Out:
    """RoCE and CNP DSCP values differ"""
    q = c.spec.qos
    if q.roce_dscp == q.cnp_dscp:
        yield ("qos", "cnp_dscp"), f"CNP DSCP equals RoCE DSCP {q.roce_dscp}", "use 48 for CNP"


@rule("QOS004", "error")
def _ecn(c: RuleCtx) -> Out:
    """ECN minimum threshold is below the maximum"""
    e = c.spec.qos.ecn
    if e.min_kbytes >= e.max_kbytes:
        yield ("qos", "ecn", "min_kbytes"), f"min {e.min_kbytes} KB >= max {e.max_kbytes} KB", ""
