"""Filters the aidc playbooks use to compare a host's live network state with its host_vars.

They only compare (which address, route, rule, MTU or sysctl differs from the design) and spell
the iproute2 command lines that close the difference; every value comes from host_vars
(``aidc_interfaces``, ``aidc_routes``, ``aidc_rules``, ``aidc_sysctl``) or from ``ip -j``.
"""

from __future__ import annotations

import json
from typing import Any

MAIN_TABLES = ("main", "254")


def _load(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value) if value.strip() else []
    return value


def _route_key(to: str, via: str | None, dev: str, src: str | None, metric: int | None) -> tuple[Any, ...]:
    return (to, via or "", dev, src or "", int(metric or 0))


def _table(value: Any) -> str:
    return str(value)


def links_todo(interfaces: list[dict[str, Any]], ip_link: Any) -> list[dict[str, Any]]:
    """Interfaces whose MTU differs from the design or which are not administratively up."""
    links = {link["ifname"]: link for link in _load(ip_link)}
    out = []
    for i in interfaces:
        cur = links.get(i["ifname"])
        if cur is None or cur.get("mtu") != i["mtu"] or "UP" not in cur.get("flags", []):
            out.append(i)
    return out


def missing_links(interfaces: list[dict[str, Any]], ip_link: Any) -> list[str]:
    names = {link["ifname"] for link in _load(ip_link)}
    return [i["ifname"] for i in interfaces if i["ifname"] not in names]


def _addrs(ip_addr: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for link in _load(ip_addr):
        out[link["ifname"]] = {
            f"{a['local']}/{a['prefixlen']}"
            for a in link.get("addr_info", [])
            if a.get("family") == "inet" and a.get("scope", "global") == "global"
        }
    return out


def addresses_missing(interfaces: list[dict[str, Any]], ip_addr: Any) -> list[dict[str, Any]]:
    cur = _addrs(ip_addr)
    return [i for i in interfaces if i.get("address") and i["address"] not in cur.get(i["ifname"], set())]


def addresses_extra(interfaces: list[dict[str, Any]], ip_addr: Any) -> list[dict[str, str]]:
    """Global IPv4 addresses on designed interfaces that the design does not hold."""
    cur = _addrs(ip_addr)
    out = []
    for i in interfaces:
        want = {i["address"]} if i.get("address") else set()
        for a in sorted(cur.get(i["ifname"], set()) - want):
            out.append({"ifname": i["ifname"], "address": a})
    return out


def _table_routes(res: Any) -> list[dict[str, Any]]:
    # "ip -j route show table N" of a table without routes fails ("FIB table does not exist")
    # after printing "[": such a table is empty
    if res.get("rc", 0) != 0:
        return []
    return list(_load(res.get("stdout", "")))


def _current_routes(route_results: Any) -> dict[str, set[tuple[Any, ...]]]:
    """{table: {route keys}} from the registered results of ``ip -j route show table <t>``."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    for res in route_results:
        table = _table(res["item"])
        keys = out.setdefault(table, set())
        for r in _table_routes(res):
            keys.add(_route_key(r["dst"], r.get("gateway"), r.get("dev", ""), r.get("prefsrc"), r.get("metric")))
    return out


def _route_argv(r: dict[str, Any], verb: str = "replace") -> list[str]:
    argv = ["ip", "route", verb, str(r["to"])]
    if r.get("via"):
        argv += ["via", str(r["via"])]
    argv += ["dev", str(r["dev"])]
    if r.get("src"):
        argv += ["src", str(r["src"])]
    if r.get("scope"):
        argv += ["scope", str(r["scope"])]
    if r.get("metric") is not None:
        argv += ["metric", str(r["metric"])]
    argv += ["table", _table(r["table"])]
    return argv


def routes_missing(routes: list[dict[str, Any]], route_results: Any) -> list[dict[str, Any]]:
    """Designed routes absent from their table, each with the ``argv`` that installs it."""
    cur = _current_routes(route_results)
    out = []
    for r in routes:
        key = _route_key(r["to"], r.get("via"), r["dev"], r.get("src"), r.get("metric"))
        if key not in cur.get(_table(r["table"]), set()):
            out.append({**r, "argv": _route_argv(r)})
    return out


def routes_extra(routes: list[dict[str, Any]], route_results: Any) -> list[dict[str, Any]]:
    """Routes in the host's own per-NIC tables (never ``main``) that the design does not hold."""
    want: dict[str, set[tuple[Any, ...]]] = {}
    for r in routes:
        key = _route_key(r["to"], r.get("via"), r["dev"], r.get("src"), r.get("metric"))
        want.setdefault(_table(r["table"]), set()).add(key)
    out = []
    for res in route_results:
        table = _table(res["item"])
        if table in MAIN_TABLES:
            continue
        for r in _table_routes(res):
            key = _route_key(r["dst"], r.get("gateway"), r.get("dev", ""), r.get("prefsrc"), r.get("metric"))
            if key not in want.get(table, set()):
                argv = ["ip", "route", "del", r["dst"]]
                if r.get("gateway"):
                    argv += ["via", r["gateway"]]
                if r.get("dev"):
                    argv += ["dev", r["dev"]]
                if r.get("metric"):
                    argv += ["metric", str(r["metric"])]
                out.append({"table": table, "dst": r["dst"], "argv": [*argv, "table", table]})
    return out


def route_tables(routes: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(_table(r["table"]) for r in routes))


def _rule_key(priority: Any, src: Any, table: Any) -> tuple[int, str, str]:
    return (int(priority), str(src), _table(table))


def rules_missing(rules: list[dict[str, Any]], ip_rule: Any) -> list[dict[str, Any]]:
    cur = {_rule_key(r.get("priority", 0), r.get("src", "all"), r.get("table", "")) for r in _load(ip_rule)}
    out = []
    for r in rules:
        if _rule_key(r["priority"], r["from"], r["table"]) not in cur:
            argv = ["ip", "rule", "add", "from", str(r["from"]), "lookup", _table(r["table"]), "pref", str(r["priority"])]
            out.append({**r, "argv": argv})
    return out


def rules_extra(rules: list[dict[str, Any]], ip_rule: Any) -> list[dict[str, Any]]:
    """Rules that use one of the design's priorities or per-NIC tables but are not designed."""
    want = {_rule_key(r["priority"], r["from"], r["table"]) for r in rules}
    prios = {int(r["priority"]) for r in rules}
    tables = {_table(r["table"]) for r in rules}
    out = []
    for r in _load(ip_rule):
        key = _rule_key(r.get("priority", 0), r.get("src", "all"), r.get("table", ""))
        if key in want or (key[0] not in prios and key[2] not in tables):
            continue
        argv = ["ip", "rule", "del", "pref", str(key[0])]
        if key[1] != "all":
            argv += ["from", key[1]]
        argv += ["lookup", key[2]]
        out.append({"priority": key[0], "from": key[1], "table": key[2], "argv": argv})
    return out


def sysctl_todo(wanted: dict[str, Any], current_lines: list[str]) -> list[dict[str, Any]]:
    """``sysctl -n k1 k2 ...`` output lines (same order as ``wanted``) -> keys to set."""
    out = []
    for (key, value), cur in zip(wanted.items(), [*current_lines, *([None] * len(wanted))], strict=False):
        if cur is None or str(cur).strip() != str(value):
            out.append({"key": key, "value": value})
    return out


def route_results(ip_route_all: Any, tables: list[str]) -> list[dict[str, Any]]:
    """``ip -j route show table all`` -> one result per designed table, shaped like the results of
    ``ip -j route show table <t>`` (``item``, ``rc``, ``stdout``) that the route filters read."""
    by_table: dict[str, list[dict[str, Any]]] = {str(t): [] for t in tables}
    for r in _load(ip_route_all):
        if r.get("type", "unicast") != "unicast":
            continue
        table = str(r.get("table", "main"))
        if table == "main" and "main" not in by_table:
            table = "254"
        if table in by_table:
            by_table[table].append(r)
    return [{"item": t, "rc": 0, "stdout": routes} for t, routes in by_table.items()]


def ip_todo(
    interfaces: list[dict[str, Any]],
    routes: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    ip_link: Any,
    ip_addr: Any,
    route_res: Any,
    ip_rule: Any,
) -> list[list[str]]:
    """Every iproute2 command that brings the host to its host_vars, in a safe order: links (MTU,
    up), stale addresses out, missing addresses in, stale routes out, missing routes in, stale
    rules out, missing rules in. Each is an argv starting with ``ip``."""
    out: list[list[str]] = []
    for i in links_todo(interfaces, ip_link):
        out.append(["ip", "link", "set", "dev", str(i["ifname"]), "mtu", str(i["mtu"]), "up"])
    for a in addresses_extra(interfaces, ip_addr):
        out.append(["ip", "addr", "del", a["address"], "dev", a["ifname"]])
    for i in addresses_missing(interfaces, ip_addr):
        out.append(["ip", "addr", "replace", str(i["address"]), "dev", str(i["ifname"])])
    out += [r["argv"] for r in routes_extra(routes, route_res)]
    out += [r["argv"] for r in routes_missing(routes, route_res)]
    out += [r["argv"] for r in rules_extra(rules, ip_rule)]
    out += [r["argv"] for r in rules_missing(rules, ip_rule)]
    return out


def ip_batch(commands: list[list[str]]) -> str:
    """argv lists (each starting with ``ip``) -> the input of ``ip -batch -``."""
    lines = []
    for argv in commands:
        words = [str(w) for w in argv[1:]]
        if any(not w or any(c.isspace() for c in w) for w in words):
            raise ValueError(f"cannot batch {argv!r}: empty or blank word")
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def sysctl_assignment(item: dict[str, Any]) -> str:
    """``{key, value}`` -> ``key=value`` for ``sysctl -w``."""
    return f"{item['key']}={item['value']}"


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "aidc_links_todo": links_todo,
            "aidc_missing_links": missing_links,
            "aidc_addresses_missing": addresses_missing,
            "aidc_addresses_extra": addresses_extra,
            "aidc_routes_missing": routes_missing,
            "aidc_routes_extra": routes_extra,
            "aidc_route_tables": route_tables,
            "aidc_rules_missing": rules_missing,
            "aidc_rules_extra": rules_extra,
            "aidc_sysctl_todo": sysctl_todo,
            "aidc_route_results": route_results,
            "aidc_ip_todo": ip_todo,
            "aidc_ip_batch": ip_batch,
            "aidc_sysctl_assignment": sysctl_assignment,
        }
