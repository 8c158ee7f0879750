"""Health case builders (no root): the indexed rail ring and the early-stopping isolation pickers
give exactly the cases of the straightforward scans they replace (kept here as the reference)."""

from __future__ import annotations

from itertools import chain
from typing import Any

import pytest

from toolkit.design import design
from toolkit.design.model import Device, Fabric, Port, PortIndex
from toolkit.health import expect
from toolkit.spec import load


def _ref_peer(nics: list[tuple[Device, Port]], dev: Device, p: Port, same_rail: bool) -> tuple[Device, Port] | None:
    """The NIC of the next server (cyclic, Fabric order) on the same rail or the next rail: every NIC scanned."""
    rails = sorted({q.rail for _, q in nics if q.rail is not None})
    if same_rail:
        want = p.rail
    else:
        others = [r for r in rails if r != p.rail]
        if not others:
            return None
        later = [r for r in others if p.rail is None or r > p.rail]
        want = later[0] if later else others[0]
    on_rail = [(d, q) for d, q in nics if q.rail == want]
    servers = [d.name for d, _ in on_rail]
    if not on_rail:
        return None
    start = servers.index(dev.name) + 1 if dev.name in servers else 0
    for i in range(len(on_rail)):
        d, q = on_rail[(start + i) % len(on_rail)]
        if d.name != dev.name:
            return d, q
    return None


def _ref_isolation_peers(fabric: Fabric, present: Any) -> list[tuple[str, str]]:
    out = []
    for t in fabric.tenants:
        others = [(u, n) for u in fabric.tenants if u.name != t.name for n in u.members]
        for m in t.members:
            if expect._member_port(fabric, m.server, m.port) is None or not expect._has(present, m.server):
                continue
            picked = [(u, n) for u, n in others if n.server != m.server and expect._has(present, n.server)]
            out += [(m.server, f"{n.server}:{n.port}") for _, n in picked[: expect.ISOLATION_PEERS]]
    return out


def _ref_oob_targets(fabric: Fabric, present: Any) -> list[tuple[str, str]]:
    out = []
    for t in fabric.tenants:
        for m in t.members:
            if expect._member_port(fabric, m.server, m.port) is None or not expect._has(present, m.server):
                continue
            leaf = fabric.devices.get(m.leaf or "")
            spines = [p.peer_device for p in (leaf.ports if leaf else []) if p.role == "uplink" and p.peer_device]
            candidates = list(chain((m.leaf, *spines[:1]), (n.server for u in fabric.tenants if u.name != t.name
                                                            for n in u.members)))
            same = {n.server for n in t.members}
            seen: list[str] = []
            for name in candidates:
                dev = fabric.devices.get(name or "")
                if name in same or name in seen or dev is None or not dev.mgmt_address:
                    continue
                if not expect._has(present, name):
                    continue
                seen.append(name or "")
            out += [(m.server, f"{name}:oob") for name in seen[: expect.OOB_TARGETS]]
    return out


def _fabric(name: str) -> Fabric:
    res = load(f"inventory/examples/{name}")
    assert res.spec is not None
    return design(res.spec)


@pytest.mark.parametrize("name", ["lab-mini", "superpod-1su", "superpod-ib-4su"])
def test_rail_ring_and_isolation_pickers_match_the_full_scans(name: str) -> None:
    fab = _fabric(name)
    servers = sorted(d.name for d in fab.servers())
    for present in (None, set(servers[::2]) | {d.name for d in fab.switches()}):
        nics = expect._compute_nics(fab, present)
        rails = expect._Rails(nics)
        pairs = 0
        for dev, p in nics:
            for same in (True, False):
                got, want = rails.peer(dev, p, same), _ref_peer(nics, dev, p, same)
                names = (got and (got[0].name, got[1].name)), (want and (want[0].name, want[1].name))
                assert names[0] == names[1], (dev.name, p.name)
                pairs += want is not None
        assert pairs >= len(nics) or not nics
        iso = [(c.device, c.suffix) for c in expect.tenant_isolation(fab, present)]
        assert iso == _ref_isolation_peers(fab, present)
        oob = [(c.device, c.suffix) for c in expect.tenant_oob_isolation(fab, present)]
        assert oob == _ref_oob_targets(fab, present)
        if name != "superpod-ib-4su" and present is None:
            assert iso and oob  # tenants with members: the pickers were exercised


def test_a_server_with_two_nics_on_a_rail_is_skipped_to_the_next_server() -> None:
    # the ring steps over the server's own further NICs on the rail (cyclic, Fabric order)
    fab = _fabric("lab-mini")
    nics = expect._compute_nics(fab, None)
    dev, p = nics[0]
    doubled = [nics[0], (dev, p.model_copy(update={"name": "extra"})), *nics[1:]]
    want = _ref_peer(doubled, dev, p, True)
    got = expect._Rails(doubled).peer(dev, p, True)
    assert want is not None and got is not None and got[0].name == want[0].name != dev.name


@pytest.mark.parametrize("name", ["lab-mini", "superpod-1su"])
def test_port_index_finds_what_device_port_finds(name: str) -> None:
    fab = _fabric(name)
    ports = PortIndex(fab)
    for dev in fab.devices.values():
        for p in dev.ports:
            assert ports.port(dev.name, p.name) is dev.port(p.name)
            if p.peer_device and p.peer_port and p.peer_device in fab.devices:
                assert ports.peer(p) is fab.devices[p.peer_device].port(p.peer_port)
        assert ports.port(dev.name, "no-such-port") is None
    assert ports.port("no-such-device", "eth0") is None
