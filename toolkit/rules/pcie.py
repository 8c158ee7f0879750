"""PCI rules: the PCIe layout of GPU server models (the NCCL topology file, toolkit/design/nccl.py)."""

from __future__ import annotations

from toolkit.design.nccl import function_of, layout_complete, layout_given
from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, gpu_server_models
from toolkit.spec.models import ServerModel


def _models(c: RuleCtx) -> list[tuple[str, ServerModel]]:
    """GPU server models the layout uses, with compute NICs."""
    out = []
    for model in gpu_server_models(c.spec):
        m = c.spec.catalog.servers.get(model)
        if m is not None and m.gpus and any(n.role == "compute" for n in m.nics):
            out.append((model, m))
    return out


@rule("PCI001", "error")
def _complete(c: RuleCtx) -> Out:
    """a GPU server model's PCIe layout is complete once given (GPUs, NUMA, compute NICs)"""
    for model, m in _models(c):
        if not layout_given(m) or layout_complete(m):
            continue
        base = ("catalog", "servers", model)
        if len(m.gpu_pcie) != m.gpus:
            yield (
                (*base, "gpu_pcie") if m.gpu_pcie else base,
                f"{model}: gpu_pcie has {len(m.gpu_pcie)} entries for {m.gpus} GPUs",
                "give {bus, switch} of every GPU, index = GPU number (lspci -D / lspci -tv)",
            )
        if len(m.gpu_numa) != m.gpus:
            yield base, f"{model}: the PCIe layout needs gpu_numa for its {m.gpus} GPUs", "set gpu_numa"
        for i, n in enumerate(m.nics):
            if n.role == "compute" and n.pcie is None:
                yield (
                    (*base, "nics", i),
                    f"compute NIC {n.name} of {model} has no pcie address",
                    "set pcie: {bus, switch} (the NIC's PCI address and its PCIe switch)",
                )


@rule("PCI002", "error")
def _same_switch(c: RuleCtx) -> Out:
    """a compute NIC sits under the same PCIe switch as its GPU"""
    for model, m in _models(c):
        for i, n in enumerate(m.nics):
            if n.role != "compute" or n.pcie is None or n.gpu is None or n.gpu >= len(m.gpu_pcie):
                continue
            gpu_switch = m.gpu_pcie[n.gpu].switch
            if n.pcie.switch != gpu_switch:
                yield (
                    ("catalog", "servers", model, "nics", i, "pcie", "switch"),
                    f"NIC {n.name} is under PCIe switch {n.pcie.switch}, its GPU {n.gpu} under {gpu_switch}",
                    "pair the GPU with the NIC behind its own PCIe switch (nvidia-smi topo -m: PIX), "
                    "or correct the address",
                )


class _Claims:
    """PCI addresses handed out so far within one server model."""

    def __init__(self, switches: set[str]) -> None:
        self.switches = switches
        self.seen: dict[str, str] = {}

    def claim(self, bus: str, what: str) -> str | None:
        """Why ``what`` cannot have ``bus``, or None (then it has it)."""
        if bus in self.switches:
            return f"{what} has the address {bus} of a PCIe switch"
        if bus in self.seen:
            return f"{what} and {self.seen[bus]} share the address {bus}"
        self.seen[bus] = what
        return None


@rule("PCI003", "error")
def _unique(c: RuleCtx) -> Out:
    """PCI addresses of a server model are unique (GPUs, NIC port functions, switches)"""
    for model, m in _models(c):
        base = ("catalog", "servers", model)
        switches = {s.switch for s in m.gpu_pcie} | {n.pcie.switch for n in m.nics if n.pcie is not None}
        claim = _Claims(switches).claim
        for g, slot in enumerate(m.gpu_pcie):
            clash = claim(slot.bus, f"GPU {g}")
            if clash:
                yield (*base, "gpu_pcie", g, "bus"), f"{model}: {clash}", "every device needs its own PCI address"
        for i, n in enumerate(m.nics):
            if n.pcie is None:
                continue
            if int(n.pcie.bus[-1]) + n.ports > 8:
                yield (
                    (*base, "nics", i, "pcie", "bus"),
                    f"{model}: NIC {n.name} has {n.ports} ports from function {n.pcie.bus[-1]}; PCI has 8 functions",
                    "give the address of the NIC's first port (function 0)",
                )
                continue
            for p in range(n.ports):
                clash = claim(function_of(n.pcie.bus, p), f"NIC {n.name} port {p}")
                if clash:
                    yield (
                        (*base, "nics", i, "pcie", "bus"),
                        f"{model}: {clash}",
                        "every device needs its own PCI address",
                    )


@rule("PCI004", "warning")
def _missing(c: RuleCtx) -> Out:
    """a GPU server model gives its PCIe layout (else no NCCL topology file is rendered)"""
    for model, m in _models(c):
        if not layout_given(m):
            yield (
                ("catalog", "servers", model),
                f"{model} has no PCIe layout: no NCCL topology file, NCCL_TOPO_FILE stays unset",
                "add gpu_pcie and each compute NIC's pcie (lspci -D, lspci -tv) for the GPU-NIC pairing hint",
            )
