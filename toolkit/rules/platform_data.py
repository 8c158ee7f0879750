"""Platform data rules: a switch model rendered for a NOS must be one the platform knows how to
configure — SONiC needs the SKU (HwSKU, platform, port names, lanes, breakout mode strings) of
the model, and every NOS release asked for must be one the platform renders."""

from __future__ import annotations

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
    agg = spec.networks.oob.aggregation
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


@rule("SKU001", "error", "every switch model rendered for SONiC (natively or --platform sonic) has SONiC SKU data")
def _sonic_sku(c: RuleCtx) -> Out:
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
        if m.ports > len(sku.ports):
            yield (
                ("catalog", "switches", model, "ports"),
                f"{model} has {m.ports} cages in the catalogue, its SKU {sku.hwsku} has {len(sku.ports)} ports",
                f"set ports to at most {len(sku.ports)}",
            )


@rule("SKU002", "error", "a breakout used on a SONiC switch is one its platform offers on those ports")
def _sonic_breakout(c: RuleCtx) -> Out:
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


@rule("NOS001", "error", "a NOS release asked for (catalogue os_version, site.os_versions) is one aidc renders")
def _os_version(c: RuleCtx) -> Out:
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
