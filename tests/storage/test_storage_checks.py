"""The storage layer's evaluation of placement groups (pure functions of ``ceph status`` JSON, in
the shape Ceph 16 prints): which states count as clean, which are only settling (the check run
waits a bounded time for those), and how a failure names the pools still being created."""

from __future__ import annotations

from typing import Any

from toolkit.health import storage as st
from toolkit.health.model import Case

CASE = Case(device="stor01", suffix="ceph:ceph1", expect={"cluster": "ceph1", "mons": [], "pools": []})


def status(**states: int) -> dict[str, Any]:
    by = [{"state_name": k.replace("_", "+"), "count": n} for k, n in states.items()]
    return {"pgmap": {"num_pgs": sum(states.values()), "pgs_by_state": by}}


def test_clean_includes_routine_scrubbing_only() -> None:
    assert st.is_clean("active+clean") and st.is_clean("active+clean+scrubbing+deep")
    assert not st.is_clean("active+undersized+degraded") and not st.is_clean("active+clean+remapped")
    assert st.pgs(CASE, status(active_clean=100, **{"active+clean+scrubbing": 2})) == []


def test_only_creating_or_peering_pgs_are_settling() -> None:
    assert st.settling(status(active_clean=105, unknown=8))
    assert st.settling(status(active_clean=111, creating_peering=2))
    assert not st.settling(status(active_clean=113))  # nothing to wait for
    # real degradation is never waited for: one degraded PG makes the whole state reportable now
    assert not st.settling(status(active_clean=100, creating_peering=2, active_undersized_degraded=11))
    assert not st.settling(status(active_clean=100, stale_down=13))


def test_a_settling_failure_names_the_pools_and_the_wait() -> None:
    s = status(active_clean=105, unknown=8)
    s["aidc_waited"] = 30.0
    s["aidc_settling"] = {"default.rgw.buckets.index": {"unknown": 8}}
    (msg,) = st.pgs(CASE, s)
    assert msg == (
        "stor01: ceph ceph1: 105 of 113 PGs active+clean (8 unknown); still being created or peering "
        "after 30.0 s: default.rgw.buckets.index: 8 unknown"
    )


def test_degraded_pgs_fail_without_a_wait_note() -> None:
    (msg,) = st.pgs(CASE, status(active_clean=102, active_undersized_degraded=11))
    assert msg == "stor01: ceph ceph1: 102 of 113 PGs active+clean (11 active+undersized+degraded)"


class Replies:
    """A recorded Ceph: answers each ``ceph ... --format json`` from a list of replies per command
    (the lab tests run the same function against a real Ceph)."""

    def __init__(self, replies: dict[str, list[Any]]) -> None:
        self.replies = replies
        self.asked: list[str] = []
        self.target = type("T", (), {"kind": "inventory"})()

    def privileged(self, command: str) -> str:
        return command

    def check_output(self, device: str, command: str, timeout: float = 30.0) -> str:
        import json

        args = command.split("--connect-timeout 10 ", 1)[1].rsplit(" --format json", 1)[0]
        self.asked.append(args)
        queue = self.replies[args]
        return json.dumps(queue.pop(0) if len(queue) > 1 else queue[0])


def test_status_is_read_again_while_pgs_settle() -> None:
    ceph = Replies({"status": [status(active_clean=105, unknown=8), status(active_clean=111, creating_peering=2),
                               status(active_clean=113)]})
    got = st.ceph_status(ceph, "stor01", wait=10)  # type: ignore[arg-type]
    assert st.pgs(CASE, got) == [] and ceph.asked == ["status"] * 3
    assert st.ceph_status(ceph, "stor01", wait=10) == got and len(ceph.asked) == 3  # one answer per check run


def test_pgs_still_settling_after_the_wait_are_named_by_pool() -> None:
    ceph = Replies(
        {
            "status": [status(active_clean=105, unknown=8)],
            "osd pool ls detail": [
                [{"pool_id": 1, "pool_name": "rbd"}, {"pool_id": 7, "pool_name": "default.rgw.log"}]
            ],
            "pg ls": [{"pg_stats": [{"pgid": "7.0", "state": "unknown"}, {"pgid": "7.1", "state": "unknown"},
                                    {"pgid": "1.0", "state": "active+clean"}]}],
        }
    )
    got = st.ceph_status(ceph, "stor02", wait=1.5)  # type: ignore[arg-type]
    assert got["aidc_settling"] == {"default.rgw.log": {"unknown": 2}} and got["aidc_waited"] >= 1.5
    assert "still being created or peering after" in st.pgs(CASE, got)[0]
