"""Observations of the running system, fetched once per device and shared by all checks.

``Facts.get(device, kind)`` runs the command of the device platform's reader for ``kind``
(``toolkit.health.readers``) and caches the parsed result;
``Facts.probe(device, probe)`` answers an active probe (ping, ARP) — all probes of a device run
concurrently in one SSH command. ``prefetch`` fills both caches for many devices in parallel
threads before the checks start, so a check run costs about as much as its slowest device.
"""

from __future__ import annotations

import base64
import shlex
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from toolkit.health.model import HealthError, Probe
from toolkit.health.readers import readers_for
from toolkit.session import DeviceError, Sessions, batch_script, parse_batch_output

PING_WAIT = 1
"""Seconds ping waits for one reply (one retry after a loss)."""
ARP_WAIT = 1.0
"""Seconds an ARP probe waits for answers (requests repeat every 0.2 s)."""

# An ARP probe (RFC 5227: sender address 0.0.0.0): the owner of the target address on the same L2
# segment answers whatever its routes and rp_filter say. Prints "<address> <mac or ->" per target.
ARP_PROBE_PY = r"""
import select, socket, struct, sys, time
ifname, wait, targets = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((ifname, 0x0806))
mac = s.getsockname()[4]
hdr = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + bytes(10)
want = {socket.inet_aton(t): t for t in targets}
seen = {}
end = time.monotonic() + wait
nxt = 0.0
while time.monotonic() < end and len(seen) < len(want):
    now = time.monotonic()
    if now >= nxt:
        for packed in want:
            if packed not in seen:
                s.send(hdr + packed)
        nxt = now + 0.2
    r, _, _ = select.select([s], [], [], 0.05)
    if r:
        pkt = s.recv(128)
        if len(pkt) >= 42 and pkt[20:22] == b"\x00\x02" and pkt[28:32] in want:
            seen[pkt[28:32]] = pkt[22:28].hex(":")
for packed, t in want.items():
    print(t, seen.get(packed, "-"))
"""


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    """ping: a reply came back; arp: the address answered."""
    rc: int
    output: str
    error: bool = False
    """The probe itself failed (tool missing, bad source, SSH): neither reachable nor isolated."""

    def brief(self) -> str:
        """The informative line of the probe output (ping's error or statistics line)."""
        lines = [x.strip() for x in self.output.splitlines() if x.strip()]
        for x in lines:
            if x.startswith("ping:") or "error" in x.lower() or "unreachable" in x.lower():
                return x
        for x in lines:
            if "packets transmitted" in x:
                return x
        return lines[-1] if lines else f"exit status {self.rc}"


# ------------------------------------------------------------------------------------ facts


class Facts:
    def __init__(self, sessions: Sessions, width: int = 8) -> None:
        self.sessions = sessions
        self.width = width
        self._cache: dict[tuple[str, str], Any] = {}
        self._errors: dict[tuple[str, str], str] = {}
        self._device_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._probes: dict[str, set[Probe]] = {}
        self._results: dict[tuple[str, Probe], ProbeResult] = {}

    def _lock(self, device: str) -> threading.Lock:
        with self._guard:
            return self._device_locks.setdefault(device, threading.Lock())

    def register(self, device: str, probes: Iterable[Probe]) -> None:
        """Probes a check will ask for: they run together with the first probe of the device."""
        self._probes.setdefault(device, set()).update(probes)

    def get(self, device: str, kind: str) -> Any:
        key = (device, kind)
        with self._lock(device):
            if key not in self._cache and key not in self._errors:
                self._observe(device, [kind], [])
        if key in self._errors:
            raise HealthError(self._errors[key])
        return self._cache[key]

    def probe(self, device: str, probe: Probe) -> ProbeResult:
        key = (device, probe)
        with self._lock(device):
            if key not in self._results:
                todo = {p for p in self._probes.get(device, set()) if (device, p) not in self._results}
                todo.add(probe)
                self._observe(device, [], sorted(todo, key=lambda p: (p.kind, p.args)))
        return self._results[key]

    def prefetch(self, needs: Iterable[tuple[str, str]]) -> None:
        """Observe every device in parallel: one SSH command per device fetches all its kinds and
        runs all its registered probes."""
        by_device: dict[str, set[str]] = {}
        for device, kind in needs:
            by_device.setdefault(device, set()).add(kind)
        for device in self._probes:
            by_device.setdefault(device, set())

        def one(device: str) -> None:
            with self._lock(device):
                kinds = [k for k in sorted(by_device[device]) if (device, k) not in self._cache]
                probes = sorted(
                    (p for p in self._probes.get(device, set()) if (device, p) not in self._results),
                    key=lambda p: (p.kind, p.args),
                )
                if kinds or probes:
                    self._observe(device, kinds, probes)

        with ThreadPoolExecutor(max_workers=max(1, self.width)) as pool:
            list(pool.map(one, sorted(by_device)))

    def _observe(self, device: str, kinds: list[str], probes: list[Probe]) -> None:
        """One SSH command: the readers of ``kinds``, then all ``probes`` concurrently. Results
        and errors land in the caches (the device lock is held)."""
        try:
            access = self.sessions.target.device(device)
            readers = readers_for(access.platform)
            unread = f"{device}: aidc has no {{kind}} reader for platform {access.platform!r}"
        except Exception as exc:  # not a device of the target
            readers, unread = {}, f"{exc}"
        commands: dict[str, str] = {}
        for k in kinds:
            if k in readers:
                commands[f"k:{k}"] = readers[k].command(access)
            else:
                self._errors[(device, k)] = unread.replace("{kind}", repr(k))
        kinds = [k for k in kinds if f"k:{k}" in commands]
        script = batch_script(commands) if commands else ""
        keys: dict[str, list[Probe]] = {}
        if probes:
            pscript, keys = probe_script(probes)
            script += pscript
        if not script:
            return
        timeout = sum(readers[k].timeout for k in kinds) + (30 if probes else 0) + 10
        try:
            out = self.sessions.run(device, script, timeout=timeout).stdout
            got = parse_batch_output(out)
        except (DeviceError, HealthError) as exc:
            for k in kinds:
                self._errors[(device, k)] = str(exc)
            for p in probes:
                self._results[(device, p)] = ProbeResult(False, 255, str(exc), error=True)
            return
        for k in kinds:
            key, cmd = (device, k), commands[f"k:{k}"]
            if f"k:{k}" not in got:
                self._errors[key] = f"{device}: `{cmd[:100]}` produced no result"
                continue
            rc, text, err = got[f"k:{k}"]
            if rc != 0:
                msg = (err or text).strip().splitlines()
                self._errors[key] = f"{device}: `{cmd[:100]}` failed ({rc}): {' / '.join(msg[-3:])[:400]}"
                continue
            try:
                self._cache[key] = readers[k].parse(text)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                self._errors[key] = f"{device}: cannot parse the output of `{cmd[:100]}`: {exc}"
        if probes:
            for p, res in parse_probe_output(out, keys).items():
                self._results[(device, p)] = res


def probe_script(probes: list[Probe]) -> tuple[str, dict[str, list[Probe]]]:
    """One shell script running every probe concurrently; output lines ``@@<key> <rc> <b64>``."""
    lines = [
        'p() { k=$1; shift; out=$("$@" 2>&1); rc=$?; '
        'printf \'@@%s %s %s\\n\' "$k" "$rc" "$(printf %s "$out" | base64 | tr -d \'\\n\')"; }',
        'r() { k=$1; shift; out=$("$@" 2>&1 || { sleep 0.2; "$@" 2>&1; }); rc=$?; '
        'printf \'@@%s %s %s\\n\' "$k" "$rc" "$(printf %s "$out" | base64 | tr -d \'\\n\')"; }',
        'a() { k=$1; shift; out=$(python3 -c "$ARP" "$@" 2>&1); rc=$?; '
        'printf \'@@%s %s %s\\n\' "$k" "$rc" "$(printf %s "$out" | base64 | tr -d \'\\n\')"; }',
    ]
    keys: dict[str, list[Probe]] = {}
    arp: dict[str, list[Probe]] = {}
    for i, p in enumerate(probes):
        if p.kind == "ping":
            src, dst, size, flags = p.args
            key = f"p{i}"
            keys[key] = [p]
            argv = ["ping", "-n", "-c", "1", "-W", str(PING_WAIT), "-s", size, "-I", src]
            if "df" in flags.split(","):
                argv += ["-M", "do"]
            argv.append(dst)
            fn = "r" if "retry" in flags.split(",") else "p"
            lines.append(f"{fn} {key} {' '.join(shlex.quote(a) for a in argv)} &")
        elif p.kind == "route":
            key = f"p{i}"
            keys[key] = [p]
            dst, src = p.args
            frm = f" from {shlex.quote(src)}" if src else ""  # no source: the kernel picks it
            lines.append(f"p {key} ip -j route get {shlex.quote(dst)}{frm} &")
        elif p.kind == "arp":
            arp.setdefault(p.args[0], []).append(p)
    if arp:
        lines.insert(0, f"ARP={shlex.quote(ARP_PROBE_PY)}")
    for n, (ifname, group) in enumerate(sorted(arp.items())):
        key = f"a{n}"
        keys[key] = group
        targets = " ".join(shlex.quote(p.args[1]) for p in group)
        lines.append(f"a {key} {shlex.quote(ifname)} {ARP_WAIT} {targets} &")
    lines.append("wait")
    return "\n".join(lines) + "\n", keys


def parse_probe_output(out: str, keys: dict[str, list[Probe]]) -> dict[Probe, ProbeResult]:
    res: dict[Probe, ProbeResult] = {}
    for line in out.splitlines():
        if not line.startswith("@@"):
            continue
        parts = line[2:].split(" ", 2)
        if len(parts) < 2 or parts[0] not in keys:
            continue
        key, rc = parts[0], int(parts[1])
        text = base64.b64decode(parts[2]).decode(errors="replace") if len(parts) > 2 and parts[2] else ""
        group = keys[key]
        if key.startswith("p"):
            p = group[0]
            if p.kind == "route":
                res[p] = ProbeResult(rc == 0, rc, text, error=rc != 0)
                continue
            # ping: 0 reply, 1 no reply, 2 error (unreachable networks are a negative answer)
            err = rc not in (0, 1) and "unreachable" not in text.lower()
            res[p] = ProbeResult(rc == 0, rc, text, error=err)
            continue
        answers = dict(x.split(" ", 1) for x in text.splitlines() if x.count(" ") == 1)
        for p in group:
            mac = answers.get(p.args[1])
            if rc != 0 or mac is None:
                res[p] = ProbeResult(False, rc if rc else 2, f"ARP probe failed: {text.strip()[-300:]}", error=True)
            else:
                res[p] = ProbeResult(mac != "-", rc, f"{p.args[1]} answered from {mac}" if mac != "-" else "")
    for group in keys.values():
        for p in group:
            res.setdefault(
                p, ProbeResult(False, 255, f"probe {p.kind} {' '.join(p.args)} produced no result", error=True)
            )
    return res
