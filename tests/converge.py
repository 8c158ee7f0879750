"""Converge a network namespace to a switch's rendered ``network.json`` without an SSH session
(the tests that configure namespaces directly: tests/render, tests/health/labkit).

The same steps as the FRR driver's network step (``toolkit.drivers.frr``): read the state with
the driver's own commands (``net_commands``), ``netstate.reconcile`` here, run the commands as
one ``sh`` script in the namespace (stopping at the first failure). ``run(argv, input)`` runs a
command in the namespace.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from toolkit.drivers.linux import net_commands, parse_net_outputs
from toolkit.netstate import NetIntent, NetSnapshot, Reconciliation, reconcile, shell_script

Runner = Callable[[list[str], "str | None"], "subprocess.CompletedProcess[str]"]


def netns_runner(ns: str) -> Runner:
    def run(argv: list[str], input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", ns, *argv], input=input, capture_output=True, text=True,
                              timeout=60)

    return run


def read(run: Runner, intent: NetIntent | None = None) -> NetSnapshot:
    ports = sorted(intent.dcb) if intent is not None else []
    got = {}
    for key, cmd in net_commands(dcb_ports=ports).items():
        cp = run(["sh", "-c", cmd], None)
        got[key] = (cp.returncode, cp.stdout, cp.stderr)
    return parse_net_outputs("namespace", got)


def converge(run: Runner, network_json: str) -> Reconciliation:
    """Bring the namespace to ``network_json``; what was run (``commands``) and said."""
    intent = NetIntent.model_validate_json(network_json)
    plan = reconcile(intent, read(run, intent))
    if plan.errors:
        raise RuntimeError(f"cannot converge: {plan.errors}")
    if plan.commands:
        cp = run(["sh", "-s"], shell_script(plan.commands, "converge", stop_on_error=True))
        if cp.returncode != 0:
            raise RuntimeError(f"network commands failed: {cp.stdout[-300:]}{cp.stderr[-500:]}")
    return plan


def pending(run: Runner, network_json: str) -> list[list[str]]:
    """The commands a converge would run now (none: the namespace runs the designed state)."""
    intent = NetIntent.model_validate_json(network_json)
    return reconcile(intent, read(run, intent)).commands
