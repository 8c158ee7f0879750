"""IPoIB MTU against its mode: the broadcast group's IB MTU in partitions.conf, the host MTU in
netplan, and IB007 when the spec asks for more than the mode carries."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.design import design
from toolkit.render import hosts, infiniband
from toolkit.render.core import environment
from toolkit.rules import validate
from toolkit.spec import load


def _ib_spec(data: dict[str, Any], **ib: Any) -> dict[str, Any]:
    c = data["networks"]["compute"]
    c["kind"] = "infiniband"
    c.pop("addressing", None)
    c["infiniband"] = {"subnet_managers": [{"host": "su1-r01-gpu01", "priority": 15}], **ib}
    return data


def _ipoib_findings(data: dict[str, Any], write_spec: Callable[[dict[str, Any]], Path]) -> tuple[Any, list[Any]]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return res.spec, [f for f in validate(res.spec, res.sources) if f.code == "IB007"]


@pytest.mark.parametrize(
    ("ib_mtu", "mode", "mtu", "want_host", "want_code"),
    [
        (4096, "datagram", None, 4092, 5),
        (2048, "datagram", None, 2044, 4),
        (4096, "datagram", 2044, 2044, 5),
        (4096, "connected", None, 65520, 5),
        (2048, "connected", 9000, 9000, 4),
    ],
)
def test_mtu_fits_mode_and_broadcast_group(ib_mtu: int, mode: str, mtu: int | None, want_host: int, want_code: int,
                                           lab_mini_data: dict[str, Any],
                                           write_spec: Callable[[dict[str, Any]], Path]) -> None:
    ipoib: dict[str, Any] = {"prefix": "10.140.0.0/22", "mode": mode}
    if mtu is not None:
        ipoib["mtu"] = mtu
    spec, hits = _ipoib_findings(_ib_spec(lab_mini_data, mtu=ib_mtu, ipoib=ipoib), write_spec)
    assert hits == []
    fab = design(spec)
    parts = infiniband.render(fab, environment())["infiniband/partitions.conf"]
    # every IPoIB partition's broadcast group at the designed IB MTU (opensm's default would be 2048)
    heads = [line for line in parts.splitlines() if re.match(r"^\w[\w-]*=0x", line)]
    assert heads and all(f", ipoib, mtu={want_code}" in h for h in heads), heads
    gpu = next(d for d in fab.servers() if d.gpus)
    net = yaml.safe_load(hosts.render(fab, environment())[f"hosts/{gpu.name}/netplan.yaml"])["network"]
    ports = [p.name for p in gpu.ports if p.plane == "compute"]
    assert ports and all(net["ethernets"][p]["mtu"] == want_host for p in ports)
    assert all(net["ethernets"][p]["infiniband-mode"] == mode for p in ports)


@pytest.mark.parametrize(
    ("ib_mtu", "mode", "mtu", "says"),
    [
        (4096, "datagram", 4093, "at most 4092"),
        (2048, "datagram", 4092, "infiniband.mtu: 4096"),
        (4096, "connected", 65521, "at most 65520"),
    ],
)
def test_mtu_beyond_mode_is_a_finding(ib_mtu: int, mode: str, mtu: int, says: str, lab_mini_data: dict[str, Any],
                                      write_spec: Callable[[dict[str, Any]], Path]) -> None:
    data = _ib_spec(lab_mini_data, mtu=ib_mtu, ipoib={"prefix": "10.140.0.0/22", "mode": mode, "mtu": mtu})
    _, hits = _ipoib_findings(data, write_spec)
    assert len(hits) == 1 and hits[0].severity == "error"
    f = hits[0]
    assert f.yaml_path == "networks.compute.infiniband.ipoib.mtu" and f.line and f.file
    assert says in f.text() and str(mtu) in f.text()
