"""HMG: the host OS is managed on its own path, never through its BMC.

HMG001 every server has a host OS management address (Ansible's ``ansible_host``): a mgmt NIC on
       the OOB network, or in-band its first business-plane address.
HMG002 in-band management needs a route from the automation controller (on the OOB network) to
       the business plane, which the design does not provide: such servers would be unreachable.
"""

from __future__ import annotations

from collections import defaultdict

from toolkit.design.model import Fabric
from toolkit.rules.fabric import Out, fabric_rule
from toolkit.spec.models import ClusterSpec


def _names(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


@fabric_rule("HMG001", "error")
def _os_path(spec: ClusterSpec, fabric: Fabric) -> Out:
    """every server's host OS has a management address apart from its BMC"""
    missing: dict[str, list[str]] = defaultdict(list)
    for dev in fabric.servers():
        if not dev.mgmt_address or dev.mgmt_address == dev.bmc_address:
            missing[dev.model].append(dev.name)
    for model, names in missing.items():
        m = spec.catalog.servers[model]
        why = (
            "management: oob but the model has no mgmt NIC"
            if m.management == "oob"
            else "no mgmt NIC and no business-plane address for in-band management (tenant ports have none)"
        )
        yield (
            ("catalog", "servers", model, "management"),
            f"{len(names)} server(s) of model {model} cannot be managed: {why} ({_names(names)})",
            "add {name: mgmt0, role: mgmt, speed: 1G} to the model's nics (its OS port on the OOB network)",
        )


@fabric_rule("HMG002", "error")
def _inband(spec: ClusterSpec, fabric: Fabric) -> Out:
    """servers managed in-band are reachable from the automation controller"""
    inband: dict[str, list[str]] = defaultdict(list)
    for dev in fabric.servers():
        if dev.mgmt_inband and dev.mgmt_address:
            inband[dev.model].append(dev.name)
    for model, names in inband.items():
        yield (
            ("catalog", "servers", model, "management"),
            f"{len(names)} server(s) of model {model} are managed in-band on the business plane "
            f"({_names(names)}), but the automation controller sits on the OOB network and the design "
            "routes nothing between the OOB and business planes",
            "add a mgmt NIC (management: oob) so Ansible reaches the OS over the OOB network",
        )
