"""One target model for plan, apply and check: lab and inventory, credentials from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import recorded
from toolkit.health.runner import resolve_target
from toolkit.targets import (
    InventoryTarget,
    LabTarget,
    TargetError,
    TargetSpec,
    forget_lab_target,
    get_target,
    lab_target,
    target_from_spec,
)


def test_inventory_credentials_come_from_the_environment(tmp_path: Path) -> None:
    fab = recorded.fabric()
    key = tmp_path / "id"
    key.write_text("not a real key\n")
    env = {"AIDC_SSH_USER": "ops", "AIDC_SSH_KEY": str(key), "AIDC_SSH_KNOWN_HOSTS": str(tmp_path / "kh")}
    t = InventoryTarget(fab, tmp_path, environ=env)
    assert t.sudo and t.hardware and t.kind == "inventory" and t.cluster == fab.name
    leaf = t.device(recorded.device("leaf"))
    assert leaf.user == "ops" and leaf.key_file == str(key) and leaf.known_hosts == str(tmp_path / "kh")
    assert leaf.sudo and leaf.identity == {"$(hostname -s)": leaf.name}
    assert leaf.address == fab.devices[leaf.name].mgmt_address.split("/")[0]
    assert leaf.public()["auth"] == "key" and "password" not in leaf.model_dump()
    assert t.ansible_ssh() == {"user": "ops", "private_key_file": str(key), "known_hosts": str(tmp_path / "kh")}
    assert t.ansible_extravars() == {"aidc_network_mode": "netplan"}
    assert t.root == tmp_path / "targets" / "inventory" / fab.name
    with pytest.raises(TargetError, match="not a device"):
        t.device("nope")


def test_inventory_password_is_secret_and_root_needs_no_sudo(tmp_path: Path) -> None:
    fab = recorded.fabric()
    t = InventoryTarget(fab, tmp_path, environ={"AIDC_SSH_PASSWORD": "hunter2"})
    assert not t.sudo
    server = t.device(recorded.device("server"))
    assert "hunter2" not in repr(server) and "hunter2" not in server.model_dump_json()
    assert server.unsupported and "AIDC_SSH_KEY" in server.unsupported
    with pytest.raises(TargetError, match="AIDC_SSH_KEY"):
        InventoryTarget(fab, tmp_path, environ={"AIDC_SSH_KEY": str(tmp_path / "missing")})


def test_unsupported_platform_is_reported_per_device(tmp_path: Path) -> None:
    fab = recorded.fabric()
    leaf = recorded.device("leaf")
    fab.devices[leaf] = fab.devices[leaf].model_copy(update={"platform": "infiniband"})
    t = InventoryTarget(fab, tmp_path, environ={})
    assert "no apply driver" in (t.device(leaf).unsupported or "")
    assert t.device(recorded.device("spine")).unsupported is None


@pytest.mark.parametrize("platform", ["eos", "cumulus", "sonic"])
def test_vendor_platforms_have_a_driver_and_a_confirm_timeout_setting(tmp_path: Path, platform: str) -> None:
    fab = recorded.fabric()
    leaf = recorded.device("leaf")
    fab.devices[leaf] = fab.devices[leaf].model_copy(update={"platform": platform})
    t = InventoryTarget(fab, tmp_path, environ={"AIDC_CONFIRM_TIMEOUT": f"{platform}=45,frr=9"})
    assert t.device(leaf).unsupported is None
    assert t.device(leaf).confirm_timeout == 45
    again = target_from_spec(t.spec(), fab)
    assert again.device(leaf).confirm_timeout == 45 and again.spec().confirm_timeouts[platform] == 45
    every = InventoryTarget(fab, tmp_path, environ={"AIDC_CONFIRM_TIMEOUT": "120"})
    assert every.device(leaf).confirm_timeout == 120
    assert InventoryTarget(fab, tmp_path, environ={}).device(leaf).confirm_timeout is None
    with pytest.raises(TargetError, match="AIDC_CONFIRM_TIMEOUT"):
        InventoryTarget(fab, tmp_path, environ={"AIDC_CONFIRM_TIMEOUT": "eos=soon"})


def test_the_spec_rebuilds_the_same_target(tmp_path: Path) -> None:
    fab = recorded.fabric()
    t = InventoryTarget(fab, tmp_path, environ={}, network_mode="iproute2")
    spec = t.spec()
    assert TargetSpec.model_validate_json(spec.model_dump_json()) == spec
    assert "key" not in spec.model_dump_json() and spec.state_dir == str(tmp_path.resolve())
    again = target_from_spec(spec, fab)
    assert isinstance(again, InventoryTarget) and again.devices().keys() == t.devices().keys()
    assert again.network_mode == "iproute2"
    assert resolve_target(t, fab) == spec and resolve_target(spec, fab) is spec


def test_lab_target_needs_a_lab(tmp_path: Path) -> None:
    fab = recorded.fabric()
    with pytest.raises(TargetError, match="run `aidc lab up` first"):
        LabTarget(fab.name, tmp_path)
    with pytest.raises(TargetError, match="run `aidc lab up` first"):
        lab_target(fab.name, tmp_path)
    with pytest.raises(TargetError, match="run `aidc lab up` first"):
        target_from_spec(
            TargetSpec(kind="lab", name="lab", cluster=fab.name, state_dir=str(tmp_path), network_mode="iproute2"), fab
        )
    with pytest.raises(TargetError, match="unknown target 'ssh': use lab or inventory"):
        get_target("ssh", fab, tmp_path)
    assert isinstance(get_target("inventory", fab, tmp_path), InventoryTarget)


def test_forget_lab_target(tmp_path: Path) -> None:
    root = tmp_path / "targets" / "lab" / "c1"
    (root / "applied").mkdir(parents=True)
    assert forget_lab_target("c1", tmp_path) is True and not root.exists()
    assert forget_lab_target("c1", tmp_path) is False


def test_describe(tmp_path: Path) -> None:
    t = InventoryTarget(recorded.fabric(), tmp_path, environ={})
    assert t.describe() == {"target": "inventory", "kind": "inventory", "cluster": t.cluster, "network_mode": "netplan"}
