"""The `aidc` command line: a thin layer over the library.

Exit codes (every command): 0 ok, 1 findings or a failed operation, 2 usage (a bad option, a
spec path that does not exist), 3 internal error (a bug in aidc: one line on stderr, the
traceback with --debug). `plan` follows the GitOps convention: 0 no changes, 2 changes pending,
1 error.

Nothing here imports ansible, netmiko or pytest at module level: `validate` and `render` never
load them (each command imports what it runs).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from toolkit import platforms
from toolkit.findings import Finding

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # main() turns an exception into exit 3 and one line
    help="Build GPU datacentres from one declarative spec.",
)
lab_app = typer.Typer(no_args_is_help=True, help="The digital twin: the Fabric as network namespaces.")
app.add_typer(lab_app, name="lab")

_WIDTH = None if sys.stdout.isatty() else 160  # full tables in logs and pipes
# emoji off: `fd00:100::/64` must not print an emoji; user text is never printed as markup
out = Console(highlight=False, soft_wrap=True, width=_WIDTH, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH, emoji=False)

PLATFORMS: tuple[str, ...] = platforms.switch_platforms()  # what --platform accepts

PathArg = typer.Argument(..., help="spec file or folder, e.g. inventory/examples/lab-mini", metavar="PATH")
JsonOpt = typer.Option(False, "--json", help="machine-readable output")


def _choice(*allowed: str) -> Any:
    """An option callback that refuses anything but ``allowed`` (a usage error, exit 2)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


PlatformOpt = typer.Option(
    None,
    "--platform",
    metavar="NOS",
    help=f"design every switch for this NOS instead of its model's: {', '.join(PLATFORMS)}",
)


def _usage_name(self: typer.core.TyperArgument) -> str:
    name = (self.metavar or self.name or "").upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def _flag_type(self: typer.core.TyperOption, ctx: Any) -> str | None:
    if self.is_flag or self.metavar is not None:
        return self.metavar
    return self.display_type(ctx)


# help as users read it elsewhere: `aidc validate [OPTIONS] PATH`, flags without a `<bool>` value
if hasattr(typer.core.TyperArgument, "_usage_display_name"):
    typer.core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
if hasattr(typer.core.TyperOption, "display_type_rich"):
    typer.core.TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

_DEBUG = {"on": bool(os.environ.get("AIDC_DEBUG"))}
EXIT_PLAN_CHANGES = 2
_PLAN_CHANGES = {"on": False}
"""Set by ``plan`` right before it exits 2 for pending changes: under the GitOps convention 2 means
changes only, so ``main`` turns every other exit 2 of ``plan`` (a usage error) into 1."""


def _exit_plan(code: int) -> None:
    _PLAN_CHANGES["on"] = code == EXIT_PLAN_CHANGES
    raise typer.Exit(code)


def _command_of(argv: list[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    return next((a for a in argv if not a.startswith("-")), None)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("aidc")
        except PackageNotFoundError:  # a checkout run without installing
            v = "unknown (not installed)"
        out.print(f"aidc {v}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="print the traceback of an internal error (exit 3)"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """Build GPU datacentres from one declarative spec."""
    _DEBUG["on"] = _DEBUG["on"] or debug


# --------------------------------------------------------------------------- helpers


def _print_findings(findings: list[Finding], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps([f.model_dump() for f in findings], indent=2) + "\n")
        return
    for f in findings:
        style = "red" if f.severity == "error" else "yellow"
        # Text, not markup: a message holding [brackets] or :colons: prints as written
        line = Text.assemble(f"{f.where()}  {f.yaml_path}  ", (f"{f.severity} {f.code}", style), f": {f.message}")
        if f.hint:
            line.append(f"  ({f.hint})", style="dim")
        err.print(line)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if findings:
        err.print(f"{errors} error(s), {warnings} warning(s)")


def _exit_code(findings: list[Finding]) -> int:
    """2 when the path itself is wrong (usage), else 1."""
    return EXIT_USAGE if any(f.code == "LOAD000" for f in findings) else EXIT_FINDINGS


def load_valid(path: Path, fmt: str = "text", *, quiet_ok: bool = True, platform: str | None = None):
    """Load and validate; on errors print them and exit 1 (2 for a missing path). Returns (spec,
    findings, fabric): the validation's trial design, made once (with ``platform``) and reused."""
    from toolkit.rules import load_and_design

    spec, findings, fabric = load_and_design(path, platform)
    if spec is None or fabric is None:
        _print_findings(findings, fmt)
        raise typer.Exit(_exit_code(findings))
    if findings and not quiet_ok:
        _print_findings(findings, fmt)
    return spec, findings, fabric


def previous_findings(path: Path, previous: str, spec: Any, sources: Any) -> list[Any]:
    """GROW findings of ``spec`` against the previous spec (exit 2 when it cannot be read)."""
    from toolkit.design import design
    from toolkit.findings import locate_all
    from toolkit.growth import PreviousError, growth_findings, load_previous

    try:
        prev = load_previous(path, previous)
    except PreviousError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from None
    if prev.spec is None:
        err.print(f"--previous {previous}: the previous spec does not load")
        _print_findings(prev.findings, "text")
        raise typer.Exit(2)
    return locate_all(growth_findings(design(prev.spec), design(spec)), sources)


def check_platform(platform: str | None) -> None:
    """``--platform`` must name a switch platform of the registry (exit 2 otherwise)."""
    if platform is not None and platform not in platforms.switch_platforms():
        err.print(f"--platform must be one of {', '.join(platforms.switch_platforms())}, got {platform!r}")
        raise typer.Exit(2)


def fabric_of(path: Path, platform: str | None = None):
    check_platform(platform)
    _, findings, fabric = load_valid(path, platform=platform)
    return fabric, findings


# --------------------------------------------------------------------------- issue: core


@app.command()
def validate(
    path: Path = PathArg,
    format: str = typer.Option("text", "--format", callback=_choice("text", "json"), help="text or json"),
    strict: bool = typer.Option(False, "--strict", help="warnings fail too"),
    platform: str = typer.Option(
        None,
        "--platform",
        metavar="NOS",
        help=f"also check the limits of this NOS for every switch: {', '.join(PLATFORMS)}",
    ),
    previous: str = typer.Option(
        None, "--previous", help="spec dir/file or git revision of the built cluster: fail if growth changes it"
    ),
) -> None:
    """Load the spec and check every rule; all findings of the run are reported together.

    Exit 0 valid, 1 errors (or warnings with --strict), 2 no spec at PATH, 3 internal error."""
    from toolkit.rules import validate as run_rules
    from toolkit.spec import load

    check_platform(platform)
    res = load(path)
    findings = list(res.findings)
    if res.spec is not None:
        findings += run_rules(res.spec, res.sources, platform=platform)
    if previous and res.spec is not None and not any(f.severity == "error" for f in findings):
        findings += previous_findings(path, previous, res.spec, res.sources)
    failed = any(f.severity == "error" for f in findings) or res.spec is None
    warnings = sum(1 for f in findings if f.severity == "warning")
    if format == "json":
        _print_findings(findings, "json")
    else:
        _print_findings(findings, "text")
        if not failed and res.spec is not None:
            name = escape(res.spec.cluster.name)
            if strict and warnings:
                out.print(f"[red]failed[/red] {name}: {warnings} warning(s), and --strict fails on warnings")
            else:
                out.print(f"[green]ok[/green] {name}: spec is valid")
    if failed:
        raise typer.Exit(_exit_code(findings))
    if strict and warnings:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def show(
    path: Path = PathArg,
    json_out: bool = JsonOpt,
    platform: str = PlatformOpt,
) -> None:
    """Summarise the designed Fabric (devices per role, cables, pool usage); --json dumps it whole."""
    fab, _ = fabric_of(path, platform)
    if json_out:
        sys.stdout.write(fab.model_dump_json(indent=1))
        sys.stdout.write("\n")
        return
    from collections import Counter

    roles = Counter(d.role for d in fab.devices.values())
    t = Table(title=f"{fab.name}: devices")
    t.add_column("role")
    t.add_column("count", justify="right")
    for role, n in sorted(roles.items()):
        t.add_row(role, str(n))
    out.print(t)
    c = Table(title="cables")
    for col in ("plane", "tier", "count"):
        c.add_column(col, justify="right" if col == "count" else "left")
    for (plane, tier), n in sorted(Counter((x.plane, x.tier) for x in fab.cables).items()):
        c.add_row(plane, tier, str(n))
    out.print(c)
    p = Table(title="address pools")
    for col in ("plane", "purpose", "prefix", "size", "used", "use %"):
        p.add_column(col)
    for pool in fab.pools:
        pct = 100 * pool.used / pool.size if pool.size else 0
        p.add_row(pool.plane, pool.purpose, pool.prefix, str(pool.size), str(pool.used), f"{pct:.1f}")
    out.print(p)
    pl = Table(title="planes")
    for col in ("plane", "kind", "tiers", "switch MTU", "host MTU", "underlay"):
        pl.add_column(col)
    for info in fab.planes.values():
        pl.add_row(info.name, info.kind, str(info.tiers), str(info.switch_mtu), str(info.host_mtu), info.underlay)
    out.print(pl)
    from toolkit.design.storage import storage_summary

    rows = storage_summary(fab)
    if rows:
        s = Table(title="storage")
        for col in ("system", "name", "raw TB", "usable TB", "layout", "tolerates (required)"):
            s.add_column(col)
        for r in rows:
            usable = ", ".join(f"{k} {v}" for k, v in r["usable_tb"].items())  # type: ignore[attr-defined]
            tol = ", ".join(f"{k}: {v}" for k, v in r["tolerates"].items())  # type: ignore[attr-defined]
            unmet = list(r["unmet"])  # type: ignore[call-overload]
            req = f"required {', '.join(r['required'])}: " + (f"NOT MET ({', '.join(unmet)})" if unmet else "met")  # type: ignore[arg-type]
            raw = str(r["raw_tb"]) if r["raw_tb"] else "unknown (no drive_tb in the catalog)"
            s.add_row(str(r["system"]), str(r["name"]), raw, usable, str(r["layout"]), f"{tol}; {req}")
        out.print(s)


@app.command()
def bom(path: Path = PathArg, json_out: bool = JsonOpt) -> None:
    """Bill of materials: switches, cables and optics per tier and plane."""
    from toolkit.bom import bom as make_bom

    fab, _ = fabric_of(path)
    data = make_bom(fab)
    if json_out:
        sys.stdout.write(json.dumps(data, indent=1, sort_keys=False) + "\n")
        return
    out.print(f"[bold]{fab.name}[/bold]: {data['gpus']} GPUs, {data['servers']} GPU servers")
    for plane in ("compute", "business", "storage", "oob"):
        section: dict[str, Any] = data if plane == "compute" else data.get(plane, {})
        if not section or plane not in fab.planes:  # l3ls-evpn: no compute plane to list
            continue
        t = Table(title=f"{plane} plane")
        t.add_column("item")
        t.add_column("count", justify="right")
        for tier, info in section["tiers"].items():
            models = ", ".join(f"{m} x{n}" for m, n in info["models"].items())
            t.add_row(f"{tier} switches ({models})" if models else f"{tier} switches", str(info["switches"]))
        for tier, n in section["cables"].items():
            t.add_row(f"{tier} cables", str(n))
        for kind, n in section["media"].items():
            t.add_row(f"  {kind}", str(n))
        for kind, n in section["transceivers"].items():
            t.add_row(f"transceiver {kind}", str(n))
        out.print(t)
    if data.get("storage_drives"):
        d = Table(title="storage drives")
        for col in ("system", "cluster", "server model", "drives"):
            d.add_column(col, justify="right" if col == "drives" else "left")
        for r in data["storage_drives"]:
            d.add_row(r["system"], r["cluster"], r["server_model"], str(r["drives"]))
        out.print(d)
    tot = data["totals"]
    out.print(
        f"totals: {tot['switches']} switches, {tot['servers']} servers, {tot['cables']} cables, "
        f"{tot['pdus']} PDUs, {tot['power_kw']} kW"
    )


@app.command()
def rules(json_out: bool = JsonOpt) -> None:
    """List every validation rule with its stable code."""
    from toolkit.rules import rule_docs

    docs = rule_docs()
    if json_out:
        sys.stdout.write(json.dumps([{"code": c, "severity": s, "doc": d} for c, s, d in docs], indent=1) + "\n")
        return
    t = Table(title=f"{len(docs)} rules")
    for col in ("code", "severity", "rule"):
        t.add_column(col)
    for c, s, d in docs:
        t.add_row(c, s, d)
    out.print(t)


@app.command()
def schema(output: Path = typer.Option(None, "--output", "-o", help="write to this file instead of stdout")) -> None:
    """Write the JSON Schema of the cluster spec (for editor completion and checks)."""
    from toolkit.spec.models import ClusterSpec

    doc = ClusterSpec.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "aidc cluster spec"
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if output:
        output.write_text(text)
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
def examples(
    name: str = typer.Argument(None, help="the example to copy (omit to list them)", metavar="NAME"),
    to: Path = typer.Option(None, "--to", help="folder to copy it into (default: ./NAME)", metavar="DIR"),
) -> None:
    """List the bundled example specs, or copy one into a folder to start from (works from any folder)."""
    import shutil

    from toolkit.resources import examples_dir
    from toolkit.rules.specview import suggest

    root = examples_dir()
    names = sorted(p.name for p in root.iterdir() if p.is_dir())
    if name is None:
        t = Table(title="bundled examples (aidc examples NAME copies one)")
        t.add_column("name")
        t.add_column("what it is")
        for n in names:
            t.add_row(n, escape(_first_comment(root / n)))
        out.print(t)
        return
    if name not in names:
        err.print(Text(f"no example named {name!r}: {suggest(name, names, 'known: ' + ', '.join(names))}"))
        raise typer.Exit(EXIT_USAGE)
    dest = to or Path(name)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        err.print(Text(f"{dest} already exists and is not empty: nothing copied (choose another folder with --to)"))
        raise typer.Exit(EXIT_FINDINGS)
    shutil.copytree(root / name, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    out.print(Text(f"copied {name} to {dest}; next: aidc validate {dest}"))


def _first_comment(folder: Path) -> str:
    """The first comment line of an example's first file (what the example is)."""
    for f in sorted(folder.glob("*.yml")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                return line.lstrip("# ").strip()
    return ""


# --------------------------------------------------------------------------- render


@app.command()
def render(
    path: Path = PathArg,
    out_dir: Path = typer.Option(Path("out"), "--out", "-o", help="output folder; files go to OUT/<cluster>/"),
    templates: Path = typer.Option(None, "--templates", help="folder of template overrides"),
    platform: str = PlatformOpt,
) -> None:
    """Render switch configs, host configs, Ansible inventory and documents."""
    from toolkit.render import render_to

    fab, _ = fabric_of(path, platform)
    overrides = [templates] if templates else []
    spec_dir = path if path.is_dir() else path.parent
    if (spec_dir / "templates").is_dir():
        overrides.append(spec_dir / "templates")
    try:
        report = render_to(fab, out_dir, overrides)
    except Exception as exc:  # render_to never leaves a half-written folder
        if not _user_render_error(exc, overrides):
            raise  # a bundled template failing on a valid spec is a bug: exit 3
        err.print(f"[red]render failed[/red]: {escape(_one_line(exc))} (previous output left untouched)")
        raise typer.Exit(EXIT_FINDINGS) from None
    n = len(report.written) + len(report.unchanged)
    out.print(f"[green]rendered[/green] {n} files into {escape(str(report.path))} ({len(report.written)} written, "
              f"{len(report.unchanged)} unchanged, {len(report.removed)} removed)")


# --------------------------------------------------------------------------- lab


def _cluster_name(path: Path) -> str:
    spec, _, _ = load_valid(path)
    return str(spec.cluster.name)


@lab_app.command("up")
def lab_up_cmd(
    path: Path = PathArg,
    scope: str = typer.Option(None, "--scope", help="an SU name (e.g. su1) or a comma list of devices"),
    ethernet: bool = typer.Option(
        False, "--ethernet", help="InfiniBand specs: also build the Ethernet namespaces (business, storage, OOB)"
    ),
) -> None:
    """Create the twin: a namespace per device, a veth per cable, OOB bridge, sshd, FRR, lldpd;
    for an InfiniBand compute fabric the IB twin (ibsim + opensm, see toolkit/lab/ib.py)."""
    from toolkit.lab import LabError, lab_up
    from toolkit.state import state_dir

    fab, _ = fabric_of(path, "frr")
    if fab.infiniband is not None:
        from toolkit.lab import ib as ibtwin
        from toolkit.render import infiniband as ibrender
        from toolkit.render.core import environment

        try:
            ist = ibtwin.ib_up(fab, ibrender.render(fab, environment()), state_dir())
        except (RuntimeError, ValueError, OSError) as exc:
            err.print(f"[red]InfiniBand twin failed[/red]: {exc}")
            raise typer.Exit(1) from None
        out.print(f"[green]InfiniBand twin of {fab.name} is up[/green]: SUBNET UP after {ist.up_seconds:.1f} s "
                  f"({len(fab.infiniband.nodes)} IB nodes); aidc check {path} --target lab --layer infiniband")
        if not ethernet:
            return
    try:
        st = lab_up(fab, state_dir(), scope)
    except (LabError, ValueError) as exc:
        err.print(f"[red]lab up failed[/red]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    nodes = st.topology.nodes
    out.print(f"[green]lab {st.cluster} is up[/green]: {len(nodes)} devices, {len(st.topology.links)} cables, "
              f"OOB controller {fab.site.controller_address}; ssh -F {st.ssh.config} <device>")


@lab_app.command("down")
def lab_down_cmd(path: Path = PathArg) -> None:
    """Remove every namespace, veth, bridge, process and file of the twin (also after a failed up)."""
    from toolkit.lab import ib as ibtwin
    from toolkit.lab import lab_down
    from toolkit.state import state_dir
    from toolkit.targets import forget_lab_target

    ist = ibtwin.load_twin(_cluster_name(path), state_dir())
    if ist is not None:
        out.print(f"InfiniBand twin stopped: {', '.join(ibtwin.ib_down(ist)) or 'nothing running'}")
    rep = lab_down(_cluster_name(path), state_dir())
    forget_lab_target(rep.cluster, state_dir())
    out.print(f"lab {rep.cluster} down: {len(rep.namespaces_removed)} namespaces, "
              f"{len(rep.killed) + len(rep.force_killed)} processes, {len(rep.paths_removed)} paths removed")
    for e in rep.errors:
        err.print(f"[yellow]warning[/yellow]: {escape(str(e))}")
    if rep.errors:
        raise typer.Exit(1)


@lab_app.command("status")
def lab_status_cmd(path: Path = PathArg, json_out: bool = JsonOpt) -> None:
    """Show every device of the twin, its namespace, processes and memory."""
    from toolkit.lab import lab_status
    from toolkit.state import state_dir

    st = lab_status(_cluster_name(path), state_dir())
    from toolkit.lab import ib as ibtwin

    ist = ibtwin.load_twin(_cluster_name(path), state_dir())
    if ist is not None and not json_out:
        procs = ibtwin.ib_status(ist)["processes"]
        out.print("InfiniBand twin: " + ", ".join(
            f"{k} {v['pid']}{'' if v['alive'] else ' (dead)'}" for k, v in procs.items()))  # type: ignore[attr-defined]
        if not st.state_found:
            return
    if json_out:
        sys.stdout.write(st.model_dump_json(indent=1) + "\n")
    elif not st.state_found:
        out.print(f"no lab for {st.cluster}")
    else:
        t = Table(title=f"lab {st.cluster} ({st.status}, scope {st.scope or 'all'})")
        for col in ("device", "role", "mgmt", "netns", "processes", "RSS MiB"):
            t.add_column(col)
        for n in st.nodes:
            procs = " ".join(f"{p.name}{'' if p.alive else '(dead)'}" for p in n.processes)
            t.add_row(n.device, n.role, n.mgmt_ip, "yes" if n.namespace_exists else "MISSING", procs,
                      f"{n.rss_kib / 1024:.1f}")
        out.print(t)
    if st.state_found and not getattr(st, "healthy", True):
        raise typer.Exit(1)


@lab_app.command("restart-daemon")
def lab_restart_cmd(
    path: Path = PathArg,
    device: str = typer.Argument(..., help="device name"),
    daemon: str = typer.Argument(..., help="sshd, lldpd or an FRR daemon (zebra, bgpd, staticd)"),
    force: bool = typer.Option(False, "--force", help="restart it even if it still runs"),
) -> None:
    """Start a daemon of a device again that died (`lab status` shows it dead), as `lab up` started it."""
    from toolkit.lab import LabError, lab_restart_daemon
    from toolkit.state import state_dir

    try:
        rec = lab_restart_daemon(_cluster_name(path), state_dir(), device, daemon, force=force)
    except LabError as exc:
        err.print(f"[red]restart failed[/red]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    out.print(f"{escape(device)}: {escape(daemon)} restarted (pid {rec.pid})")


@lab_app.command("shell")
def lab_shell_cmd(path: Path = PathArg, device: str = typer.Argument(..., help="device name")) -> None:
    """Open a shell inside a device's namespace."""
    from toolkit.lab import lab_shell_argv
    from toolkit.state import state_dir

    try:
        argv = lab_shell_argv(_cluster_name(path), state_dir(), device)
    except (KeyError, ValueError, RuntimeError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    os.execvp(argv[0], argv)


# --------------------------------------------------------------------------- plan / apply / check

_DRIVEN = sorted(p.name for p in platforms.all_platforms() if p.hooks.driver)  # switch platforms apply can push to
TargetOpt = typer.Option(
    "lab",
    "--target",
    "-t",
    callback=_choice("lab", "inventory"),
    help="lab (the digital twin, every switch as frr) or inventory (real devices over SSH on the platform of "
    f"their switch model; apply reaches {', '.join(_DRIVEN) or 'no switch platform'} switches, other "
    "platforms are reported per device as not implemented; hosts through Ansible)",
)
FormatOpt = typer.Option("text", "--format", "-f", help="text, json or markdown (a PR comment)")
SharedOpt = typer.Option(
    None, "--shared-state", envvar="AIDC_SHARED_STATE",
    help="git:<repository>[#<ref>]: the applied state a team shares (a git ref, with a lock)")


def _target_fabric(path: Path, target: str) -> tuple[Any, Any, dict[str, str]]:
    """Fabric, target and rendered artifacts for ``--target``: the lab renders every switch as ``frr``."""
    from toolkit.render import render as render_all
    from toolkit.state import state_dir
    from toolkit.targets import TargetError, get_target

    fab, _ = fabric_of(path, "frr" if target == "lab" else None)
    try:
        tgt = get_target(target, fab, state_dir())
    except TargetError as exc:  # e.g. no lab: an error (1), never "changes pending" (2)
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    spec_dir = path if path.is_dir() else path.parent
    overrides = [spec_dir / "templates"] if (spec_dir / "templates").is_dir() else []
    try:
        artifacts = render_all(fab, overrides)
    except Exception as exc:
        if not _user_render_error(exc, overrides):
            raise
        err.print(f"[red]render failed[/red]: {escape(_one_line(exc))}")
        raise typer.Exit(1) from None
    return fab, tgt, artifacts


def _user_render_error(exc: Exception, overrides: list[Path]) -> bool:
    """A render failure the user can fix: a file system error, or a template error while the
    user's template overrides are in use. Anything else is a bug in aidc (exit 3)."""
    import jinja2

    return isinstance(exc, OSError) or (bool(overrides) and isinstance(exc, jinja2.TemplateError))


def _one_line(exc: Exception) -> str:
    text = str(exc).splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _check_format(fmt: str) -> None:
    from toolkit.plan import FORMATS

    if fmt not in FORMATS:
        err.print(f"[red]unknown format {escape(repr(fmt))}[/red]: use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)


@app.command()
def plan(
    path: Path = PathArg,
    target: str = TargetOpt,
    fmt: str = FormatOpt,
    no_running: bool = typer.Option(False, "--no-running", help="compare with the recorded state only (offline)"),
    against: str = typer.Option(
        None, "--against", help="compare with this git revision or folder of the spec instead of a target "
        "(no devices needed; for pull requests)"),
    platform: str = typer.Option(None, "--platform", help="with --against: render every switch for this NOS"),
    no_storage: bool = typer.Option(False, "--no-storage", help="leave the Ceph/MinIO clusters out"),
    previous: str = typer.Option(
        None, "--previous", help="spec dir/file or git revision of the built cluster: fail if growth changes it"
    ),
    shared_state: str = SharedOpt,
) -> None:
    """Show per device what apply would change. Exit 0 no changes, 2 changes, 1 error."""
    from toolkit.plan import format_plan
    from toolkit.plan import plan as make_plan

    _check_format(fmt)
    if against is not None:
        from toolkit.plan.against import AgainstError, format_against, plan_against

        check_platform(platform)
        try:
            ap = plan_against(path, against, platform)
        except AgainstError as exc:
            err.print(f"[red]plan failed[/red]: {exc}")
            raise typer.Exit(1) from None
        sys.stdout.write(format_against(ap, fmt))
        _exit_plan(ap.exit_code)
    if previous:
        from toolkit.spec import load

        res = load(path)
        if res.spec is not None:
            grow = previous_findings(path, previous, res.spec, res.sources)
            if grow:
                _print_findings(grow, "text")
                raise typer.Exit(1)
    fab, tgt, artifacts = _target_fabric(path, target)
    if shared_state:
        from toolkit.plan.shared import SharedStateError, pulled

        try:
            shared = pulled(shared_state, tgt)
            holder = shared.holder() if shared else None
        except SharedStateError as exc:
            err.print(f"[red]plan failed[/red]: {escape(str(exc))}")
            raise typer.Exit(1) from None
        if holder:
            err.print(f"[yellow]an apply is running[/yellow] on this target ({escape(holder)}): this plan may be stale")
    p = make_plan(fab, artifacts, tgt, read_running=not no_running, storage=not no_storage)
    sys.stdout.write(format_plan(p, fmt))
    _exit_plan(p.exit_code)


@app.command()
def apply(
    path: Path = PathArg,
    target: str = TargetOpt,
    fmt: str = FormatOpt,
    device: list[str] = typer.Option(None, "--device", "-d", help="apply only these devices (repeatable)"),
    no_storage: bool = typer.Option(False, "--no-storage", help="network only: skip the Ceph/MinIO playbooks"),
    shared_state: str = SharedOpt,
) -> None:
    """Push the rendered configuration: switches over SSH (netmiko, frr-reload), hosts through Ansible,
    then storage (playbooks/ceph.yml, minio.yml)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from toolkit.plan import ApplyError, ApplyLockedError, ProgressEvent, format_apply
    from toolkit.plan import apply as do_apply
    from toolkit.plan.shared import applying

    _check_format(fmt)
    fab, tgt, artifacts = _target_fabric(path, target)
    columns = (TextColumn("apply"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=err, transient=False, disable=fmt != "text") as bar:
        task = bar.add_task("", total=None)

        def progress(ev: ProgressEvent) -> None:
            what = f"{ev.device}: {ev.event} {ev.message}"[:80]
            bar.update(task, total=ev.total, completed=ev.done, description=what)
            if ev.event in ("failed", "restored"):
                bar.console.print(f"[red]{ev.device}[/red] {ev.event}: {ev.message}")
            elif ev.event in ("changed", "unchanged", "skipped"):
                bar.console.print(f"[green]{ev.device}[/green] {ev.event} {ev.message}".rstrip())

        try:
            with applying(shared_state, tgt) as publish_as:
                result = do_apply(fab, artifacts, tgt, progress, devices=device or None, storage=not no_storage)
                publish_as(f"aidc apply {result.apply_id} on {result.target}/{result.cluster}: "
                           f"{'ok' if result.ok else 'failed'} {json.dumps(result.summary, sort_keys=True)}")
        except ApplyLockedError as exc:
            err.print(f"[red]locked[/red]: {escape(str(exc))}")
            raise typer.Exit(1) from None
        except ApplyError as exc:
            err.print(f"[red]apply refused[/red]: {escape(str(exc))}")
            raise typer.Exit(1) from None
    sys.stdout.write(format_apply(result, fmt))
    raise typer.Exit(result.exit_code)


@app.command()
def check(
    path: Path = PathArg,
    target: str = TargetOpt,
    junit: Path = typer.Option(None, "--junit", help="write a JUnit XML report for CI"),
    layer: list[str] = typer.Option(None, "--layer", "-l", help="run only these layers (repeatable)"),
    json_out: bool = JsonOpt,
) -> None:
    """Health-check the target against the Fabric, layer by layer (pytest over SSH; the same
    target and credentials as plan and apply)."""
    from toolkit.health import LAYERS, HealthError, run_checks
    from toolkit.targets import TargetError

    fab, _ = fabric_of(path, "frr" if target == "lab" else None)
    try:
        with err.status(f"checking {fab.name} on {target} ({', '.join(layer or LAYERS)})"):
            report = run_checks(fab, target, junit, layer or None)
    except (HealthError, TargetError, ValueError) as exc:
        err.print(f"[red]check failed to start[/red]: {escape(str(exc))}")
        raise typer.Exit(2) from None
    if json_out:
        sys.stdout.write(json.dumps(report.to_json_dict(), indent=1) + "\n")
    else:
        t = Table(title=f"health of {report.fabric} on {report.target}: {'OK' if report.ok else 'FAILED'} "
                        f"({report.seconds:.1f} s)")
        for col in ("layer", "passed", "failed", "not applicable", "skipped"):
            t.add_column(col, justify="left" if col == "layer" else "right")
        for name, lr in report.layers.items():
            style = "red" if lr.failed else ""
            t.add_row(name, str(lr.passed), f"[{style}]{lr.failed}[/{style}]" if style else "0",
                      str(lr.not_applicable), str(lr.skipped))
        out.print(t)
        for name, lr in report.layers.items():
            for msg in lr.failures:
                out.print(f"[red]FAIL[/red] {escape(f'[{name}] {msg}')}")
            for reason in lr.not_applicable_reasons:
                out.print(f"[dim]n/a  {escape(f'[{name}] {reason}')}[/dim]")
        for e in report.errors:
            err.print(f"[red]ERROR[/red] {escape(str(e))}")
        if junit:
            out.print(f"JUnit report: {junit}")
    raise typer.Exit(0 if report.ok else 1)


def main() -> None:
    """Entry point: an exception that escapes a command is a bug in aidc, reported in one line (exit 3)."""
    # at exit, the interpreter's last garbage collection would walk every object still alive (a
    # 16k-GPU Fabric held by the caches: about 1.7 s of CPU); freezing them first skips that walk
    atexit.register(gc.freeze)
    try:
        app(prog_name="aidc")
    except SystemExit as exc:
        if exc.code == EXIT_USAGE and _command_of(sys.argv[1:]) == "plan" and not _PLAN_CHANGES["on"]:
            sys.exit(EXIT_FINDINGS)  # plan: 2 means "changes pending", never an error
        raise
    except KeyboardInterrupt:  # pragma: no cover
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if _DEBUG["on"] or "--debug" in sys.argv[1:]:
            import traceback

            traceback.print_exc()
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno}" if where else ""
        err.print(
            Text(
                f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{at} "
                "(a bug in aidc, not in your spec: run again with --debug for the traceback and report it)"
            )
        )
        sys.exit(EXIT_INTERNAL)


def run() -> None:  # pragma: no cover - the console script; exercised by every subprocess test
    """``aidc``: :func:`main`, then exit without tearing the interpreter down. A command's Fabric
    (hundreds of thousands of objects, 3 GB for cluster-100k) would otherwise be freed object by
    object at exit, a third of ``aidc validate``'s CPU time; exit handlers still run and output is
    flushed first."""
    import atexit
    import os

    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        err.print(code)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
