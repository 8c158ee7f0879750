"""Filters the aidc playbooks use to bring a host's live network state to its host_vars.

The comparison and the commands come from ``toolkit.netstate`` (the same parser and reconciler
the switch driver and the health checks use); this plugin only adapts Ansible's registered
command results to it. Every value comes from host_vars (``aidc_interfaces``, ``aidc_routes``,
``aidc_rules``, ``aidc_sysctl``) or from ``ip -j``.

``toolkit`` is imported from the Python that runs Ansible (aidc installs it there); from a
bare checkout the package next to ``playbooks/`` is used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

try:
    from toolkit import netstate
except ImportError:  # a checkout (playbooks/ next to toolkit/) or a wheel (toolkit/_data/playbooks/)
    for _up in Path(__file__).resolve().parents:
        if (_up / "toolkit" / "netstate.py").is_file():
            sys.path.insert(0, str(_up))
            break
    from toolkit import netstate


def _now(ip_link: Any, ip_addr: Any = "", ip_route: Any = "", ip_rule: Any = "") -> netstate.NetSnapshot:
    return netstate.NetSnapshot(
        interfaces=netstate.parse_links(ip_link, netstate.parse_addrs(ip_addr)),
        routes=netstate.parse_routes(ip_route),
        rules=netstate.parse_rules(ip_rule),
    )


def missing_links(interfaces: list[dict[str, Any]], ip_link: Any) -> list[str]:
    """Designed interfaces the host does not have (``ip -j link show``)."""
    return netstate.missing_links(netstate.host_intent(interfaces, [], []), _now(ip_link))


def ip_todo(
    interfaces: list[dict[str, Any]],
    routes: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    ip_link: Any,
    ip_addr: Any,
    ip_route_all: Any,
    ip_rule: Any,
) -> list[list[str]]:
    """Every iproute2 command that brings the host to its host_vars (``netstate.reconcile`` of
    ``netstate.host_intent``), in a safe order; each an argv starting with ``ip``."""
    intent = netstate.host_intent(interfaces, routes, rules)
    return netstate.reconcile(intent, _now(ip_link, ip_addr, ip_route_all, ip_rule)).commands


def routes_missing(routes: list[dict[str, Any]], ip_route_all: Any) -> list[list[str]]:
    """The commands installing the designed routes the host lacks."""
    todo = netstate.reconcile(netstate.host_intent([], routes, []), _now("", "", ip_route_all)).commands
    return [c for c in todo if c[:3] == ["ip", "route", "replace"]]


def rules_missing(rules: list[dict[str, Any]], ip_rule: Any) -> list[list[str]]:
    """The commands adding the designed policy rules the host lacks."""
    todo = netstate.reconcile(netstate.host_intent([], [], rules), _now("", "", "", ip_rule)).commands
    return [c for c in todo if c[:3] == ["ip", "rule", "add"]]


def ip_batch(commands: list[list[str]]) -> str:
    """argv lists (each starting with ``ip``) -> the input of ``ip -batch -``."""
    return netstate.ip_batch(commands)


def sysctl_todo(wanted: dict[str, Any], current_lines: list[str]) -> list[dict[str, Any]]:
    """``sysctl -n k1 k2 ...`` output lines (same order as ``wanted``) -> keys to set."""
    current = dict(zip(wanted, [str(x) for x in current_lines], strict=False))
    return [{"key": k, "value": wanted[k]} for k in netstate.sysctl_changes(wanted, current)]


def sysctl_assignment(item: dict[str, Any]) -> str:
    """``{key, value}`` -> ``key=value`` for ``sysctl -w``."""
    return f"{item['key']}={item['value']}"


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "aidc_missing_links": missing_links,
            "aidc_ip_todo": ip_todo,
            "aidc_routes_missing": routes_missing,
            "aidc_rules_missing": rules_missing,
            "aidc_ip_batch": ip_batch,
            "aidc_sysctl_todo": sysctl_todo,
            "aidc_sysctl_assignment": sysctl_assignment,
        }
