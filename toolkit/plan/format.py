"""Plan and apply reports as plain text, JSON and Markdown (a pull-request comment)."""

from __future__ import annotations

import json
from typing import Literal

from toolkit.plan.models import ApplyResult, DevicePlan, Plan

Format = Literal["text", "json", "markdown"]
FORMATS: tuple[str, ...] = ("text", "json", "markdown")
_MARK = {"create": "+", "update": "~", "drift": "!", "unchanged": "=", "error": "x"}
MARKDOWN_LIMIT = 60000
"""GitHub refuses comments over 65536 characters: diffs are cut to stay below."""


def format_plan(plan: Plan, fmt: str = "text", *, diffs: bool = True) -> str:
    if fmt == "json":
        return plan_json(plan)
    if fmt == "markdown":
        return plan_markdown(plan)
    if fmt == "text":
        return plan_text(plan, diffs=diffs)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def plan_json(plan: Plan) -> str:
    data = plan.model_dump(mode="json")
    data["exit_code"] = plan.exit_code
    return json.dumps(data, indent=1)


def _headline(plan: Plan) -> str:
    s = plan.summary
    return (
        f"{plan.changes} device(s) to change ({s['create']} create, {s['update']} update, "
        f"{s['drift']} drift), {s['unchanged']} unchanged, {s['error'] + len(plan.errors)} error(s)"
    )


def _why(d: DevicePlan) -> str:
    if d.status == "error":
        return d.error or "error"
    changed = [f.name for f in d.files if f.status != "unchanged"]
    bits = []
    if changed:
        bits.append(", ".join(changed))
    if d.status == "drift":
        bits.append("running state differs from last apply")
    if d.running is not None and not d.running.readable:
        bits.append(f"running not readable: {d.running.error}")
    return "; ".join(bits)


def plan_text(plan: Plan, *, diffs: bool = True) -> str:
    lines = [f"aidc plan: cluster {plan.cluster} -> target {plan.target} ({plan.target_kind})", ""]
    width = max((len(d.device) for d in plan.devices), default=6)
    for d in plan.devices:
        counts = f"+{d.added} -{d.removed}" if d.changed else ""
        row = f"  {_MARK[d.status]} {d.device:<{width}}  {d.kind:<6}  {d.status:<9}  {counts:<12} {_why(d)}"
        lines.append(row.rstrip())
    lines += ["", _headline(plan)]
    for e in plan.errors:
        lines.append(f"error: {e}")
    if plan.skipped:
        lines.append(
            f"not on this target: {len(plan.skipped)} device(s) ({', '.join(sorted(plan.skipped)[:8])}"
            + (", ..." if len(plan.skipped) > 8 else "")
            + ")"
        )
    if diffs:
        for d in plan.devices:
            text = d.diff_text()
            if d.changed and text:
                lines += ["", f"--- {d.device} ({d.status}) ---", text.rstrip("\n")]
    return "\n".join(lines) + "\n"


def plan_markdown(plan: Plan, limit: int = MARKDOWN_LIMIT) -> str:
    ok = plan.exit_code
    icon = {0: ":white_check_mark:", 2: ":pencil2:", 1: ":x:"}[ok]
    out = [
        f"### {icon} aidc plan — `{plan.cluster}` → `{plan.target}`",
        "",
        f"**{_headline(plan)}**",
        "",
        "| Device | Kind | Status | + | \u2212 | Changes |",
        "|---|---|---|---:|---:|---|",
    ]
    for d in plan.devices:
        why = _why(d).replace("|", "\\|")
        out.append(f"| `{d.device}` | {d.kind} | {d.status} | {d.added} | {d.removed} | {why} |")
    for e in plan.errors:
        out.append(f"\n> **error:** {e}")
    if plan.skipped:
        out += ["", f"<sub>Not on this target: {', '.join(f'`{n}`' for n in sorted(plan.skipped))}</sub>"]
    budget = limit - sum(len(x) + 1 for x in out) - 200
    cut = False
    for d in plan.devices:
        text = d.diff_text()
        if not d.changed or not text:
            continue
        block = text.replace("```", "`\u200b``")
        wrapper = 120 + len(d.device)
        if len(block) + wrapper > budget:
            keep = max(0, budget - wrapper)
            if keep < 200:
                cut = True
                break
            block = block[:keep].rsplit("\n", 1)[0] + "\n... (diff truncated)\n"
            cut = True
        out += [
            "",
            f"<details><summary><code>{d.device}</code> — {d.status}, +{d.added} \u2212{d.removed}</summary>",
            "",
            "```diff",
            block.rstrip("\n"),
            "```",
            "</details>",
        ]
        budget -= len(block) + wrapper
        if cut:
            break
    if cut:
        out += ["", "_Some diffs were left out to fit a comment; run `aidc plan` locally for all of them._"]
    return "\n".join(out) + "\n"


def format_apply(result: ApplyResult, fmt: str = "text") -> str:
    if fmt == "json":
        data = result.model_dump(mode="json")
        data["exit_code"] = result.exit_code
        return json.dumps(data, indent=1)
    if fmt == "markdown":
        icon = ":white_check_mark:" if result.ok else ":x:"
        out = [
            f"### {icon} aidc apply — `{result.cluster}` → `{result.target}`",
            "",
            _apply_headline(result),
            "",
            "| Device | Kind | Result | Seconds | Detail |",
            "|---|---|---|---:|---|",
        ]
        for d in result.devices:
            detail = (d.error or d.message).replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{d.device}` | {d.kind} | {d.status} | {d.seconds:.1f} | {detail} |")
        out += [f"\n> **error:** {e}" for e in result.errors]
        return "\n".join(out) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    width = max((len(d.device) for d in result.devices), default=6)
    lines = [f"aidc apply {result.apply_id}: cluster {result.cluster} -> target {result.target}", ""]
    for d in result.devices:
        detail = d.error or d.message
        lines.append(f"  {d.device:<{width}}  {d.kind:<6}  {d.status:<9}  {d.seconds:6.1f}s  {detail}".rstrip())
        for e in d.restore_errors:
            lines.append(f"  {'':<{width}}  restore: {e}")
    lines += ["", _apply_headline(result)]
    lines += [f"error: {e}" for e in result.errors]
    return "\n".join(lines) + "\n"


def _apply_headline(result: ApplyResult) -> str:
    s = result.summary
    state = f"INTERRUPTED by {result.interrupted}" if result.interrupted else ("OK" if result.ok else "FAILED")
    return (
        f"{state}: {s['changed']} changed, {s['unchanged']} unchanged, {s['failed']} failed, "
        f"{s['restored']} failed and restored, {s['skipped']} skipped in {result.seconds:.1f}s"
    )
