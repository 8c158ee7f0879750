"""Hardware of GPU servers: GPU count and model (nvidia-smi), NVLink, one RDMA device per compute
NIC, GPU i and NIC i on the same NUMA node, and RDMA write bandwidth between rail peers
(ib_write_bw). They run where the target has hardware; the lab reports "not applicable"."""

from __future__ import annotations

import shlex
import time

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on, not_applicable
from toolkit.health.model import Case
from toolkit.session import Sessions

pytestmark = pytest.mark.layer("hardware")

GPU_QUERY = "nvidia-smi --query-gpu=index,name,pci.bus_id --format=csv,noheader"


def _need_hardware(target: Sessions, what: str) -> None:
    if not target.hardware:
        not_applicable(f"{target.name}: devices are network namespaces without {what}")


def _gpus(target: Sessions, case: Case) -> list[tuple[int, str, str]]:
    return evaluate.parse_gpu_query(target.check_output(case.device, GPU_QUERY))


@pytest.mark.cases("gpu_servers")
def test_gpu_count(case: Case, target: Sessions) -> None:
    _need_hardware(target, "GPUs")
    fail_on(evaluate.gpu_inventory(case, _gpus(target, case)))


@pytest.mark.cases("gpu_servers")
def test_nvlink(case: Case, target: Sessions) -> None:
    _need_hardware(target, "NVLink")
    if case.expect["gpus"] < 2:
        not_applicable(f"{case.where}: one GPU, nothing to link")
    out = target.check_output(case.device, "nvidia-smi nvlink --status")
    links = evaluate.parse_nvlink_status(out)
    if not any(links.values()) and "pcie" in (case.expect.get("gpu_model") or "").lower():
        not_applicable(f"{case.where}: PCIe GPUs ({case.expect['gpu_model']}) report no NVLink")
    fail_on(evaluate.nvlink(case, links))


def _rdma_dev(target: Sessions, device: str, ifname: str) -> str | None:
    res = target.run(device, f"ls /sys/class/net/{shlex.quote(ifname)}/device/infiniband/", timeout=10)
    names = res.stdout.split() if res.rc == 0 else []
    return names[0] if names else None


@pytest.mark.cases("rdma_nics")
def test_rdma_device(case: Case, target: Sessions) -> None:
    _need_hardware(target, "RDMA devices")
    ifname = case.expect["ifname"]
    dev = _rdma_dev(target, case.device, ifname)
    if dev is None:
        fail_on([f"{case.where}: {ifname} has no RDMA device (/sys/class/net/{ifname}/device/infiniband)"])
    base = f"/sys/class/infiniband/{dev}/ports/1"
    out = target.check_output(case.device, f"cat {base}/state {base}/link_layer")
    fail_on(evaluate.rdma_port(case, str(dev), out))


@pytest.mark.cases("rdma_nics")
def test_gpu_nic_numa_affinity(case: Case, target: Sessions) -> None:
    _need_hardware(target, "PCIe GPUs and NICs")
    ifname = shlex.quote(case.expect["ifname"])
    nic_numa = int(target.check_output(case.device, f"cat /sys/class/net/{ifname}/device/numa_node").strip())
    gpu_numa = None
    if case.expect.get("gpu") is not None:
        bus = {i: b for i, _, b in _gpus(target, case)}.get(int(case.expect["gpu"]))
        if bus:
            path = f"/sys/bus/pci/devices/{evaluate.sysfs_bus_id(bus)}/numa_node"
            gpu_numa = int(target.check_output(case.device, f"cat {path}").strip())
    fail_on(evaluate.numa_affinity(case, nic_numa, gpu_numa))


@pytest.mark.cases("rail_pairs")
def test_rdma_write_bandwidth(case: Case, target: Sessions) -> None:
    _need_hardware(target, "RDMA NICs")
    e = case.expect
    local = _rdma_dev(target, case.device, e["ifname"])
    remote = _rdma_dev(target, e["peer_device"], e["peer_ifname"])
    if not local or not remote:
        fail_on(
            [f"{case.where}: no RDMA device on {case.device} {e['ifname']} or {e['peer_device']} {e['peer_ifname']}"]
        )
    common = "ib_write_bw -R -F --report_gbits -D 3 -q 4"
    target.run(
        e["peer_device"],
        f"nohup timeout 30 {common} -d {shlex.quote(str(remote))} >/dev/null 2>&1 &",
        timeout=10,
    )
    time.sleep(1.0)
    res = target.run(case.device, f"{common} -d {shlex.quote(str(local))} {shlex.quote(e['peer_address'])}", timeout=30)
    fail_on(evaluate.write_bandwidth(case, res.rc, res.stdout + res.stderr))
