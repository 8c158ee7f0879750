"""Platform data rules: a switch model rendered for a NOS must be one the platform knows how to
configure — SONiC needs the SKU (HwSKU, platform, port names, lanes, breakout mode strings) of
the model, and every NOS release asked for must be one the platform renders."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit import platforms
from toolkit.findings import YamlPath
from toolkit.platforms import Sku
from toolkit.platforms._sonic_skus import SKUS, catalogue_sku
from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, tier_models
from toolkit.spec.models import ClusterSpec, SwitchModel, parse_breakout, parse_speed


def _mode_of(text: str) -> tuple[int, int]:
    """``2x400G[200G,...]`` / ``1x1000[100,10]`` -> (ports, Mbit/s each)."""
    head = text.split("[", 1)[0]
    n, _, speed = head.partition("x")
    return int(n), int(speed[:-1]) * 1000 if speed.endswith("G") else int(speed)


def _switch_models(spec: ClusterSpec) -> list[tuple[str, str | None, YamlPath]]:
    """Every tier's switch model (with its breakout and spec path) and the OOB aggregation's."""
    out = tier_models(spec)
    agg = spec.networks.oob.aggregation if spec.networks.oob is not None else None
    if agg is not None:
        out.append((agg.model, None, ("networks", "oob", "aggregation", "model")))
    return out


def _sonic_sku_of(c: RuleCtx, model: str) -> tuple[SwitchModel, Sku | None] | None:
    """(catalogue entry, its SONiC SKU data or None) of a model rendered for SONiC (its own
    platform or ``--platform sonic``), else None."""
    m = c.spec.catalog.switches.get(model)
    if m is None or platforms.rendered_for(m.platform, c.platform) != "sonic":
        return None
    return m, SKUS.get(model) or catalogue_sku(model, m)


@rule("SKU001", "error")
def _sonic_sku(c: RuleCtx) -> Out:
    """every switch model rendered for SONiC (natively or --platform sonic) has SONiC SKU data"""
    sonic = platforms.get("sonic")
    seen: set[str] = set()
    for model, _breakout, _path in _switch_models(c.spec):
        found = _sonic_sku_of(c, model) if model not in seen else None
        seen.add(model)
        if found is None:
            continue
        m, sku = found
        if sku is None:
            known = ", ".join(sorted(sonic.skus))
            forced = "" if m.platform == "sonic" else f" (platform {m.platform}, rendered with --platform sonic)"
            yield (
                ("catalog", "switches", model),
                f"SONiC switch model {model}{forced} has no SKU data: its HwSKU, platform and port layout are unknown",
                f"add catalog.switches.{model}.sonic {{hwsku, platform, ports}} (aidc describes {known})",
            )
            continue
        cages = m.ports + (m.uplink_cages.ports if m.uplink_cages else 0)
        if model not in SKUS and cages > len(sku.ports):  # aidc's own SKU data: SKU003
            yield (
                ("catalog", "switches", model, "ports"),
                f"{model} has {cages} cages in the catalogue, its SKU {sku.hwsku} has {len(sku.ports)} ports",
                f"set ports to at most {len(sku.ports)}",
            )


def _used_models(spec: ClusterSpec) -> Iterator[str]:
    yield from dict.fromkeys(m for m, _b, _p in _switch_models(spec))


def _groups(sku: Sku) -> list[tuple[int, int, list[str]]]:
    """The SKU's front-panel ports as runs of one native speed: (count, Gbit/s, port names)."""
    out: list[tuple[int, int, list[str]]] = []
    for p in sku.ports:
        if out and out[-1][1] == p.speed:
            out[-1] = (out[-1][0] + 1, p.speed, [*out[-1][2], p.name])
        else:
            out.append((1, p.speed, [p.name]))
    return out


def _speed_text(gbps: int) -> str:
    return f"{gbps}G"


def _layout_problem(name: str, m: SwitchModel, sku: Sku) -> tuple[tuple[str, ...], str, str] | None:
    """What in ``catalog.switches.<name>`` disagrees with the hardware the SKU describes."""
    groups = _groups(sku)
    (n0, s0, _names0) = groups[0]
    layout = " + ".join(f"{n} x {_speed_text(s)} (" + (", ".join(names) if n <= 8 else f"{names[0]}..{names[-1]}")
                        + ")" for n, s, names in groups)
    fix = f"ports: {n0} (or fewer), speed: {_speed_text(s0)}"
    if len(groups) > 1:
        n1, s1, _ = groups[1]
        fix = (f"ports: {n0}, speed: {_speed_text(s0)} and, for the {_speed_text(s1)} cages the uplinks use, "
               f"uplink_cages: {{ports: {n1}, speed: {_speed_text(s1)}}} (or ports: {n0} or fewer alone)")
    where = ("catalog", "switches", name)
    cage_speed = parse_speed(m.speed)
    if cage_speed != s0:
        return ((*where, "speed"), f"{name} ({sku.hwsku}) has {layout}: its first ports run "
                f"{_speed_text(s0)}, the catalogue says {m.speed}", f"write {fix}")
    if m.ports > n0:
        beyond = sku.ports[n0] if n0 < len(sku.ports) else None
        what = (f"port {n0 + 1} is {beyond.name}, a {_speed_text(beyond.speed)} cage" if beyond
                else f"it has {len(sku.ports)} ports")
        return ((*where, "ports"), f"{name} ({sku.hwsku}) has {layout}: {m.ports} x {m.speed} do not exist "
                f"({what})", f"write {fix}")
    up = m.uplink_cages
    if up is None:
        return None
    if len(groups) < 2:
        return ((*where, "uplink_cages"), f"{name} ({sku.hwsku}) has {layout}: no second group of cages",
                f"remove uplink_cages (write {fix})")
    n1, s1, _ = groups[1]
    if m.ports != n0 or up.ports > n1 or parse_speed(up.speed) != s1:
        return ((*where, "uplink_cages"), f"{name} ({sku.hwsku}) has {layout}: the catalogue's "
                f"{m.ports} x {m.speed} + {up.ports} x {up.speed} do not match", f"write {fix}")
    return None


@rule("SKU003", "error")
def _sku_layout(c: RuleCtx) -> Out:
    """a switch model aidc has SKU data for has the cages the hardware has (count, speed, groups)

    The hardware is the same on every NOS (an SN2201 has 48 x 1G RJ45 + 4 x 100G QSFP28 under
    Cumulus too): checked whatever the model's platform, so ``--platform sonic`` never meets a
    port the SKU does not have."""
    for model in _used_models(c.spec):
        m = c.spec.catalog.switches.get(model)
        sku = SKUS.get(model)
        if m is None or sku is None or not sku.ports:
            continue
        problem = _layout_problem(model, m, sku)
        if problem:
            yield problem


@rule("SKU002", "error")
def _sonic_breakout(c: RuleCtx) -> Out:
    """a breakout used on a SONiC switch is one its platform offers on those ports"""
    for model, breakout, path in _switch_models(c.spec):
        found = _sonic_sku_of(c, model)
        if found is None:
            continue
        m, sku = found
        if sku is None:
            continue
        lanes, speed = parse_breakout(breakout) if breakout else (1, parse_speed(m.speed))
        want = (lanes, speed * 1000)
        for p in sku.ports[: m.ports]:
            if p.breakout_modes and want not in {_mode_of(x) for x in p.breakout_modes}:
                yield (
                    (*path, "breakout") if breakout else ("catalog", "switches", model, "speed"),
                    f"{sku.hwsku} port {p.name} offers {', '.join(p.breakout_modes)}, not {lanes}x{speed}G",
                    "use one of the platform's breakout modes",
                )
                break


@rule("NOS001", "error")
def _os_version(c: RuleCtx) -> Out:
    """a NOS release asked for (catalogue os_version, site.os_versions) is one aidc renders"""
    for name, m in sorted(c.spec.catalog.switches.items()):
        if m.os_version is not None:
            releases = platforms.get(m.platform).os_versions
            if m.os_version not in releases:
                yield (
                    ("catalog", "switches", name, "os_version"),
                    f"{m.platform} release {m.os_version!r} is not one aidc renders",
                    f"use one of {', '.join(releases)}",
                )
    for plat, version in sorted(c.spec.site.os_versions.items()):
        if plat not in platforms.names():
            known = ", ".join(platforms.names())
            yield (("site", "os_versions", plat), f"unknown platform {plat!r}", f"use one of {known}")
            continue
        releases = platforms.get(plat).os_versions
        if version not in releases:
            yield (
                ("site", "os_versions", plat),
                f"{plat} release {version!r} is not one aidc renders",
                f"use one of {', '.join(releases)}",
            )
