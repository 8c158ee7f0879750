"""Build valid cluster specs of arbitrary size for property-based and growth tests."""

from __future__ import annotations

from typing import Any


def make_spec(
    *,
    sus: int = 1,
    racks_per_su: int = 2,
    servers_per_rack: int = 2,
    rails: int = 2,
    servers_per_su: int | None = None,
    planned_sus: int | None = None,
    kind: str = "roce",
    leaf_ports: int = 32,
    tenants: int = 1,
    storage_servers: int = 3,
    numbered: bool = False,
    tiers: Any = "auto",
    spine_ports: int | None = None,
    speed: str = "100G",
    network_racks: int = 1,
) -> dict[str, Any]:
    nics: list[dict[str, Any]] = [
        {"name": f"cx{i}", "role": "compute", "speed": speed, "gpu": i, "numa": 0 if i < rails / 2 else 1}
        for i in range(rails)
    ]
    nics += [
        {"name": "fe0", "role": "business", "speed": "25G"},
        {"name": "st0", "role": "storage", "speed": "25G"},
        {"name": "bmc", "role": "oob", "speed": "1G"},
    ]
    su_list = []
    for s in range(sus):
        su_list.append(
            {
                "name": f"su{s + 1}",
                "racks": [
                    {"name": f"su{s + 1}-r{r + 1:02d}", "servers": [{"model": "gpu", "count": servers_per_rack}]}
                    for r in range(racks_per_su)
                ],
            }
        )
    members = [f"su1-r01-gpu{i + 1:02d}" for i in range(min(servers_per_rack, 2))]
    spec: dict[str, Any] = {
        "cluster": {"name": "gen"},
        "site": {"domain": "gen.test", "ntp": ["192.0.2.1"], "dns": ["192.0.2.2"]},
        "catalog": {
            "servers": {
                "gpu": {"gpus": rails, "gpu_numa": [0 if i < rails / 2 else 1 for i in range(rails)], "nics": nics},
                "stor": {
                    "drives": 4,
                    "nics": [
                        {"name": "st0", "role": "storage", "speed": "25G"},
                        {"name": "bmc", "role": "oob", "speed": "1G"},
                    ],
                },
            },
            "switches": {
                "leafsw": {"platform": "cumulus", "ports": leaf_ports, "speed": speed},
                "spinesw": {"platform": "cumulus", "ports": spine_ports or leaf_ports, "speed": speed},
                "fesw": {"platform": "sonic", "ports": 64, "speed": "100G", "breakouts": ["4x25G"],
                         "sonic": {"hwsku": "Generated-FESW", "platform": "x86_64-generated-r0"}},
                "oobsw": {"platform": "cumulus", "ports": 52, "speed": "1G"},
            },
        },
        "layout": {
            "scalable_units": su_list,
            "racks": [
                *({"name": f"net-r{n + 1:02d}", "role": "network"} for n in range(network_racks)),
                {"name": "stor-r01", "role": "storage", "servers": [{"model": "stor", "count": storage_servers}]},
            ],
        },
        "networks": {
            "compute": {
                "kind": kind,
                "tiers": tiers,
                "leaf": {"model": "leafsw"},
                "spine": {"model": "spinesw"},
                "core": {"model": "spinesw"},
                "underlay": "numbered" if numbered else "unnumbered",
                "addressing": {"loopbacks": "10.0.0.0/16", "p2p": "10.1.0.0/16", "hosts": "10.64.0.0/12"},
            },
            "business": {
                "leaf": {"model": "fesw", "breakout": "4x25G"},
                "spine": {"model": "fesw", "breakout": "4x25G"},
                "racks_per_group": 2,
                "addressing": {"loopbacks": "10.10.0.0/20", "p2p": "10.11.0.0/16", "hosts": "10.80.0.0/12"},
                "asn": {"spine": 4200100000, "leaf_base": 4200110000},
            },
            "storage": {"mode": "converged", "hosts": "10.96.0.0/12"},
            "oob": {"switch_model": "oobsw", "prefix": "10.250.0.0/16", "rack_block": 64},
        },
        "tenants": [
            {
                "name": f"t{t}",
                "vni": 10000 + t,
                "vlan": 100 + t,
                "subnet": f"172.16.{t}.0/24",
                "gateway": f"172.16.{t}.1",
                "members": [members[t]],
            }
            for t in range(min(tenants, len(members)))
        ],
    }
    if servers_per_su:
        spec["networks"]["compute"]["servers_per_su"] = servers_per_su
    if planned_sus:
        spec["networks"]["compute"]["planned_sus"] = planned_sus
    if kind == "infiniband":
        spec["catalog"]["switches"]["leafsw"]["platform"] = "infiniband"
        spec["catalog"]["switches"]["spinesw"]["platform"] = "infiniband"
        del spec["networks"]["compute"]["addressing"]
    return spec
