"""Two-level OOB aggregation: a distribution switch (pair) per SU between its racks and the
aggregation, for clusters with more racks than the aggregation has ports (cluster-100k)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.growth import growth_findings
from toolkit.rules import validate
from toolkit.spec.models import ClusterSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "inventory" / "examples"


def superpod(distribution: str | None = "sn2201") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "superpod-1su" / "cluster.yml").read_text())
    if distribution:
        data["networks"]["oob"]["aggregation"]["distribution"] = {"model": distribution}
        # the SU's network rack holds its 8 rail leaves and 2 PDUs in 42U: the pair needs a taller one
        net = [r for r in data["layout"]["scalable_units"][0]["racks"] if r.get("role") == "network"]
        net[0]["units"] = 48
    return data


def _uplink_peers(fab: Fabric, name: str) -> list[str]:
    return sorted(p.peer_device or "-" for p in fab.devices[name].ports if p.role == "oob-uplink")


def test_su_racks_uplink_to_their_distribution_pair_and_it_to_the_aggregation() -> None:
    spec = ClusterSpec.model_validate(superpod())
    assert [f.text() for f in validate(spec) if f.severity == "error"] == []
    fab = design(spec)
    assert fab.planes["oob"].tiers == 3
    su_racks = [r.name for r in spec.layout.scalable_units[0].racks]
    outside = [r.name for r in spec.layout.racks]
    for rack in su_racks:
        assert _uplink_peers(fab, f"{rack}-oob") == ["su1-oob-dist1", "su1-oob-dist2"]
    for rack in outside:
        assert _uplink_peers(fab, f"{rack}-oob") == ["oob-agg01", "oob-agg02"]
    for k in (1, 2):
        dist = fab.devices[f"su1-oob-dist{k}"]
        assert dist.rack == "su1-n01" and dist.role == "oob" and dist.plane == "oob"
        down = [p.peer_device for p in dist.ports if p.role == "oob-access"]
        assert down == [f"{r}-oob" for r in su_racks]  # port p faces the SU's rack p
        assert _uplink_peers(fab, dist.name) == sorted([f"oob-agg0{k}", f"su1-oob-dist{3 - k}"])
        # managed like every switch of its rack: its management port on the rack's OOB switch
        assert dist.mgmt_address and dist.port(dist.mgmt_port or "").peer_device == "su1-n01-oob"
        agg = fab.devices[f"oob-agg0{k}"]
        faces = [p.peer_device for p in agg.ports if p.role == "oob-access"]
        assert faces == [f"{r}-oob" for r in outside] + [dist.name]
    # every OOB cable is in the cabling plan (and so in the BOM)
    oob = {(c.a_device, c.b_device) for c in fab.cables if c.plane == "oob"}
    assert ("su1-oob-dist1", "oob-agg01") in oob and ("su1-oob-dist1", "su1-oob-dist2") in oob


def test_one_level_keeps_every_rack_on_the_aggregation() -> None:
    fab = design(ClusterSpec.model_validate(superpod(None)))
    assert fab.planes["oob"].tiers == 2
    assert not [d for d in fab.devices if "oob-dist" in d]
    assert _uplink_peers(fab, "su1-r01-oob") == ["oob-agg01", "oob-agg02"]


def test_aggregation_and_distribution_capacity_are_findings() -> None:
    data = superpod(None)
    data["catalog"]["switches"]["tiny"] = {"vendor": "nvidia", "platform": "cumulus", "ports": 6, "speed": "1G"}
    data["networks"]["oob"]["aggregation"]["model"] = "tiny"

    def ooba003(d: dict[str, Any]) -> list[str]:
        return [f"{'.'.join(map(str, f.path))}: {f.message}" for f in validate(ClusterSpec.model_validate(d))
                if f.code == "OOBA003"]

    # 4 racks outside the SU + 9 SU racks + the peer link on 6 ports
    assert ooba003(data) == ["networks.oob.aggregation.model: OOB aggregation tiny has 6 ports; "
                             "13 racks need one each plus the peer link"]
    data["networks"]["oob"]["aggregation"]["distribution"] = {"model": "sn2201"}
    assert ooba003(data) == []  # 4 racks + 1 distribution switch + the peer link
    data["networks"]["oob"]["aggregation"]["distribution"] = {"model": "tiny"}
    assert ooba003(data) == ["networks.oob.aggregation.distribution.model: OOB distribution tiny has 6 ports; "
                             "SU su1 needs 11 (9 racks, the uplink, the peer link)"]


def test_a_new_su_gets_its_own_distribution_pair_and_moves_nothing() -> None:
    small = superpod()
    big = superpod()
    su2 = yaml.safe_load(yaml.safe_dump(big["layout"]["scalable_units"][0]).replace("su1-", "su2-"))
    su2["name"] = "su2"
    big["layout"]["scalable_units"].append(su2)
    before, after = design(ClusterSpec.model_validate(small)), design(ClusterSpec.model_validate(big))
    assert [f.message for f in growth_findings(before, after)] == []
    assert _uplink_peers(after, "su2-r01-oob") == ["su2-oob-dist1", "su2-oob-dist2"]
    agg = after.devices["oob-agg01"]
    assert [p.peer_device for p in agg.ports if p.role == "oob-access"][-2:] == ["su1-oob-dist1", "su2-oob-dist1"]
