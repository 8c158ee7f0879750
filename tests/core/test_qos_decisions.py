"""The QoS values every platform and the hosts print are the Fabric's (``QosProfile``), and the
per-Fabric render caches follow the Fabric's lifetime."""

from __future__ import annotations

import gc

from tests.conftest import EXAMPLES
from toolkit.design import design
from toolkit.design.model import QosProfile
from toolkit.render.ansible import render as render_ansible
from toolkit.render.core import environment, per_fabric
from toolkit.render.hosts import fabric_host_view
from toolkit.render.platforms._common import fabric_view
from toolkit.spec.loader import load


def _profile(**kw: object) -> QosProfile:
    base: dict[str, object] = dict(
        pfc_priority=3, roce_dscp=26, roce_priority=3, cnp_dscp=48, cnp_priority=6,
        ecn_min_kbytes=150, ecn_max_kbytes=1500, ecn_probability=100, dscp_to_tc={48: 6, 0: 0, 26: 3, 1: 0},
    )
    return QosProfile(**{**base, **kw})  # type: ignore[arg-type]


def test_derived_qos_values() -> None:
    q = _profile()
    assert q.dscps_by_tc == ((0, (0, 1)), (3, (26,)), (6, (48,)))
    assert q.tcs == (0, 3, 6)
    assert q.lossless_tcs == (3,) and q.ecn_priorities == (3,)
    assert q.strict_tcs == (6,)
    assert _profile(cnp_strict=False).strict_tcs == ()
    assert q.pfc_vector == (0, 0, 0, 1, 0, 0, 0, 0)
    assert (q.ecn_min_bytes, q.ecn_max_bytes) == (150 * 1024, 1500 * 1024)
    # a PFC/CNP priority no DSCP maps to is still a class in use
    assert _profile(dscp_to_tc={0: 0}).tcs == (0, 3, 6)
    assert "lossless_tcs" not in q.model_dump()  # derived, never serialised


def test_switches_and_hosts_print_the_fabric_qos() -> None:
    res = load(EXAMPLES / "lab-mini")
    assert res.spec is not None
    fab = design(res.spec)
    assert fabric_view(fab).qos is fab.qos
    assert fabric_host_view(fab).qos is fab.qos and fabric_host_view(fab).rdma is fab.rdma
    out = render_ansible(fab, environment())
    q = fab.qos
    host_vars = [t for name, t in out.items() if "host_vars" in name and "aidc_qos:" in t and "pfc:" in t]
    assert host_vars, "no host has RoCE settings in lab-mini"
    assert f"pfc: {','.join(map(str, q.pfc_vector))}" in host_vars[0]


def test_per_fabric_cache_follows_the_fabric() -> None:
    calls: list[int] = []

    class Obj:
        pass

    @per_fabric
    def build(f: object) -> int:
        calls.append(1)
        return len(calls)

    a = Obj()
    assert build(a) == 1 and build(a) == 1  # type: ignore[arg-type]
    del a
    gc.collect()
    b = Obj()
    assert build(b) == 2  # type: ignore[arg-type]


def test_design_carries_every_spec_qos_value(lab_mini_data: dict[str, object], write_spec: object) -> None:
    from toolkit.design import qos_profile

    data = dict(lab_mini_data)
    data["qos"] = {"trust": "pcp", "pfc_priority": 4, "roce_dscp": 24, "roce_priority": 4, "cnp_dscp": 46,
                   "cnp_priority": 5, "pfc_watchdog": False, "ecn": {"min_kbytes": 100, "max_kbytes": 900}}
    res = load(write_spec(data))  # type: ignore[operator]
    assert res.spec is not None, res.findings
    q = qos_profile(res.spec)
    got = (q.trust, q.pfc_priority, q.roce_dscp, q.roce_priority, q.cnp_dscp, q.cnp_priority)
    assert got == ("pcp", 4, 24, 4, 46, 5)
    assert q.pfc_watchdog is False and (q.ecn_min_kbytes, q.ecn_max_kbytes) == (100, 900)
    assert q.dscp_to_tc[24] == 4 and q.dscp_to_tc[46] == 5 and q.dscp_to_tc[0] == 0 and len(q.dscp_to_tc) == 64
