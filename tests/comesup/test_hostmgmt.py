"""Host management: Ansible reaches the host OS (OOB mgmt port or in-band), never the BMC."""

from __future__ import annotations

from typing import Any

from toolkit.design import design
from toolkit.render.ansible import inventory, server_vars
from toolkit.render.hosts import host_view
from toolkit.rules import validate
from toolkit.rules.fabric import fabric_findings
from toolkit.spec import load

D = dict[str, Any]


def _hosts(inv: D) -> dict[str, D]:
    out: dict[str, D] = {}
    for group in inv["all"]["children"]["servers"]["children"].values():
        out.update(group["hosts"])
    return out


def test_ansible_host_is_the_os_address_and_bmc_is_a_bmc_variable() -> None:
    res = load("inventory/examples/lab-mini")
    assert res.spec is not None
    fab = design(res.spec)
    hosts = _hosts(inventory(fab))
    servers = fab.servers()
    assert servers and set(hosts) == {d.name for d in servers}
    oob_cables = {(c.a_device, c.a_port): c for c in fab.cables if c.plane == "oob"}
    for dev in servers:
        assert dev.mgmt_port == "mgmt0" and dev.bmc_port == "bmc" and not dev.mgmt_inband
        assert dev.mgmt_address and dev.bmc_address and dev.mgmt_address != dev.bmc_address
        hv = hosts[dev.name]
        assert hv["ansible_host"] == dev.mgmt_address.split("/")[0]
        assert hv["aidc_bmc_host"] == dev.bmc_address.split("/")[0]
        # both ports are cabled to the rack's OOB switch, on different ports
        a, b = oob_cables[(dev.name, "mgmt0")], oob_cables[(dev.name, "bmc")]
        assert a.b_device == b.b_device == f"{dev.rack}-oob" and a.b_port != b.b_port
        v = server_vars(dev, fab)
        assert v["aidc_bmc"] == {
            "port": "bmc",
            "address": dev.bmc_address,
            "redfish_baseuri": dev.bmc_address.split("/")[0],
            "ipmi_host": dev.bmc_address.split("/")[0],
        }
        assert v["aidc_mgmt"]["address"] == dev.mgmt_address and v["aidc_mgmt"]["inband"] is False
        # the host network files never touch the OOB ports (they carry the session that applies them)
        assert {i.name for i in host_view(dev, fab).interfaces}.isdisjoint({"mgmt0", "bmc"})


def test_inband_management_uses_the_business_address_and_is_reported(lab_mini_data: D, write_spec) -> None:
    nics = lab_mini_data["catalog"]["servers"]["gpu-2x"]["nics"]
    lab_mini_data["catalog"]["servers"]["gpu-2x"]["nics"] = [n for n in nics if n["role"] != "mgmt"]
    lab_mini_data["tenants"] = []
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    fab = design(res.spec)
    dev = fab.devices["su1-r01-gpu01"]
    fe0 = dev.port("fe0")
    assert dev.mgmt_inband and dev.mgmt_port == "fe0" and dev.mgmt_address == fe0.address
    assert _hosts(inventory(fab))[dev.name]["ansible_host"] == fe0.address.split("/")[0]  # type: ignore[union-attr]
    # in-band, the business port is configured by the host files like any data port
    assert "fe0" in {i.name for i in host_view(dev, fab).interfaces}
    hits = [f for f in validate(res.spec, res.sources) if f.code.startswith("HMG")]
    assert [f.code for f in hits] == ["HMG002"]
    assert hits[0].yaml_path == "catalog.servers.gpu-2x.management" and hits[0].line
    assert "4 server(s) of model gpu-2x are managed in-band" in hits[0].message


def test_server_without_any_os_path_is_an_error(lab_mini_data: D, write_spec) -> None:
    # tenant members have no fabric address on their business port: nothing to manage them on
    nics = lab_mini_data["catalog"]["servers"]["gpu-2x"]["nics"]
    lab_mini_data["catalog"]["servers"]["gpu-2x"]["nics"] = [n for n in nics if n["role"] != "mgmt"]
    hits = [f for f in validate(*_load(lab_mini_data, write_spec)) if f.code == "HMG001"]
    assert len(hits) == 1 and "4 server(s) of model gpu-2x cannot be managed" in hits[0].message
    assert "tenant ports have none" in hits[0].message
    # management: oob without a mgmt NIC says so
    lab_mini_data["catalog"]["servers"]["gpu-2x"]["management"] = "oob"
    lab_mini_data["tenants"] = []
    spec, _ = _load(lab_mini_data, write_spec)
    hits = [f for f in fabric_findings(spec, design(spec)) if f.code == "HMG001"]
    assert len(hits) == 1 and "management: oob but the model has no mgmt NIC" in hits[0].message


def _load(data: D, write_spec) -> tuple[Any, Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return res.spec, res.sources
