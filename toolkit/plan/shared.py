"""Applied state a team shares: a git ref holding the last applied render, with a lock.

``aidc plan/apply --shared-state git:<repository>[#<ref>]`` keeps the record of what was applied
to a target (``toolkit.plan.store``) on a git ref instead of only a laptop's state folder, so a
plan in CI compares with what was really applied, whoever applied it.

  <ref>                               default ``refs/aidc/state``; one commit per apply, its tree:
    targets/<target>/<cluster>/applied/<device>/record.json    hashes, running fingerprint
    targets/<target>/<cluster>/applied/<device>/files/<name>   the files as applied
    targets/<target>/<cluster>/audit.jsonl                     one line per apply
  <ref>-lock/<target>/<cluster>        exists while an apply runs; its commit message names who

What stays local: backups (the device's running config before a change) and the running state
read back after an apply (``applied/<device>/running``) — device output can hold secrets, and a
plan needs only the running fingerprint of ``record.json`` to see drift.

Both refs are updated by compare-and-swap (``git push --force-with-lease`` against the commit
read before): two applies cannot both take the lock, and an apply that started from an older
state cannot overwrite a newer one. The repository is any git URL or path the user's git can
push to (credentials: git's own — ssh agent, credential helper — never aidc's).
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.plan.store import ApplyError, ApplyLockedError

if TYPE_CHECKING:
    from toolkit.targets import Target

DEFAULT_REF = "refs/aidc/state"
SHARED_FILES = ("record.json",)  # per device, beside files/
_IDENTITY = ["-c", "user.name=aidc", "-c", "user.email=aidc@localhost"]


class SharedStateError(ApplyError):
    """The shared state cannot be read or written (repository unreachable, a newer apply won)."""


def parse(spec: str) -> tuple[str, str]:
    """``git:<repository>[#<ref>]`` -> (repository, ref)."""
    if not spec.startswith("git:") or len(spec) == 4:
        raise SharedStateError(f"--shared-state {spec!r}: write git:<repository>[#<ref>], e.g. git:../infra.git")
    repo, _, ref = spec[4:].partition("#")
    ref = ref or DEFAULT_REF
    if not ref.startswith("refs/") or " " in ref or ".." in ref:
        raise SharedStateError(f"--shared-state {spec!r}: the ref must be a full ref name such as {DEFAULT_REF}")
    return repo, ref


def _apply_id(device_dir: Path) -> str | None:
    try:
        return str(json.loads((device_dir / "record.json").read_text())["apply_id"])
    except (OSError, ValueError, KeyError):
        return None


class SharedState:
    """One target/cluster's applied state on a git ref; a local bare cache repository does the git work."""

    def __init__(self, spec: str, target: str, cluster: str, state_base: Path) -> None:
        self.repo, self.ref = parse(spec)
        if "://" not in self.repo and ":" not in self.repo.split("/", 1)[0] and Path(self.repo).exists():
            self.repo = str(Path(self.repo).resolve())
        self.prefix = f"targets/{target}/{cluster}"
        self.lock_ref = f"{self.ref}-lock/{target}/{cluster}"
        key = hashlib.sha256(self.repo.encode()).hexdigest()[:16]
        self.cache = Path(state_base) / "shared" / f"{key}.git"
        self._lock_commit: str | None = None

    # -- git plumbing

    def _git(self, *args: str, env: dict[str, str] | None = None, check: bool = True, stdin: str | None = None) -> str:
        cp = subprocess.run(
            ["git", *_IDENTITY, "--git-dir", str(self.cache), *args],
            capture_output=True,
            text=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
            input=stdin,
            timeout=120,
            check=False,
        )
        if check and cp.returncode != 0:
            raise SharedStateError(f"git {args[0]} ({self.repo}): {(cp.stderr or cp.stdout).strip()[-300:]}")
        return cp.stdout.strip()

    def _init(self) -> None:
        if not (self.cache / "HEAD").exists():
            self.cache.mkdir(parents=True, exist_ok=True)
            self._git("init", "--bare", "-q")

    def _remote_commit(self, ref: str) -> str | None:
        out = self._git("ls-remote", self.repo, ref)
        for line in out.splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None

    def _fetch(self, ref: str) -> None:
        self._git("fetch", "-q", "--no-tags", self.repo, f"+{ref}:{ref}")

    def _push(self, commit: str | None, ref: str, expected: str | None) -> bool:
        """Set ``ref`` to ``commit`` (None: delete) if it still is ``expected``; False if it moved."""
        lease = f"--force-with-lease={ref}:{expected or ''}"
        src = f"{commit}:{ref}" if commit else f":{ref}"
        cp = subprocess.run(
            ["git", "--git-dir", str(self.cache), "push", "-q", "--porcelain", lease, self.repo, src],
            capture_output=True,
            text=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
            timeout=120,
            check=False,
        )
        if cp.returncode == 0:
            return True
        text = cp.stdout + cp.stderr
        if "stale info" in text or "rejected" in text or "fetch first" in text:
            return False
        raise SharedStateError(f"git push ({self.repo}): {text.strip()[-300:]}")

    # -- state

    def pull(self, root: Path) -> str | None:
        """Replace the shared part of ``root`` (applied records and files, audit log) by the ref's
        content; local running state and backups stay. Returns the commit read (None: no state yet)."""
        self._init()
        commit = self._remote_commit(self.ref)
        applied = root / "applied"
        if commit is None:
            return None
        self._fetch(self.ref)
        commit = self._git("rev-parse", f"{self.ref}^{{commit}}")
        with tempfile.TemporaryDirectory(
            prefix=".aidc-shared.", dir=root.parent if root.parent.exists() else None
        ) as t:
            tmp = Path(t)
            listing = self._git("ls-tree", "-r", "--name-only", commit, "--", self.prefix)
            for name in listing.splitlines():
                rel = Path(name).relative_to(self.prefix)
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                blob = subprocess.run(
                    ["git", "--git-dir", str(self.cache), "cat-file", "blob", f"{commit}:{name}"],
                    capture_output=True,
                    check=True,
                ).stdout
                dest.write_bytes(blob)
            root.mkdir(parents=True, exist_ok=True)
            shared_devices = {p.name for p in (tmp / "applied").iterdir()} if (tmp / "applied").is_dir() else set()
            if applied.is_dir():
                for old in applied.iterdir():
                    if old.name not in shared_devices and not old.name.startswith("."):
                        shutil.rmtree(old)  # applied by nobody according to the team's record
            for dev in sorted(shared_devices):
                local = applied / dev
                new = tmp / "applied" / dev
                running = local / "running"
                if running.is_dir() and _apply_id(local) == _apply_id(new):  # read back by this very apply
                    shutil.move(str(running), str(new / "running"))
                if local.exists():
                    shutil.rmtree(local)
                local.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(new), str(local))
            audit = tmp / "audit.jsonl"
            if audit.is_file():
                shutil.copyfile(audit, root / "audit.jsonl")
        return commit

    def push(self, root: Path, parent: str | None, message: str) -> str:
        """Commit the shared part of ``root`` on top of ``parent`` and move the ref there, if no one
        else moved it since ``parent`` was read. Returns the new commit."""
        self._init()
        base_tree = self._git("rev-parse", f"{parent}^{{tree}}") if parent else None
        with tempfile.TemporaryDirectory(prefix=".aidc-index.") as t:
            env = {"GIT_INDEX_FILE": str(Path(t) / "index")}
            if base_tree:
                self._git("read-tree", base_tree, env=env)
                self._git("rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", self.prefix, env=env)
            for path in self._shared_paths(root):
                sha = self._git("hash-object", "-w", "--", str(path))
                rel = f"{self.prefix}/{path.relative_to(root).as_posix()}"
                self._git("update-index", "--add", "--cacheinfo", f"100644,{sha},{rel}", env=env)
            tree = self._git("write-tree", env=env)
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
        commit = self._git(*args)
        if not self._push(commit, self.ref, parent):
            raise SharedStateError(
                f"the shared state {self.repo}#{self.ref} moved while this apply ran (another apply "
                "finished first); the devices are as this apply left them — run `aidc plan` again"
            )
        return commit

    def _shared_paths(self, root: Path) -> list[Path]:
        out: list[Path] = []
        applied = root / "applied"
        if applied.is_dir():
            for dev in sorted(p for p in applied.iterdir() if p.is_dir() and not p.name.startswith(".")):
                out += [dev / n for n in SHARED_FILES if (dev / n).is_file()]
                files = dev / "files"
                if files.is_dir():
                    out += sorted(p for p in files.rglob("*") if p.is_file())
        if (root / "audit.jsonl").is_file():
            out.append(root / "audit.jsonl")
        return out

    # -- lock

    def holder(self) -> str | None:
        """Who holds the lock (its commit message), None when free."""
        self._init()
        commit = self._remote_commit(self.lock_ref)
        if commit is None:
            return None
        self._fetch(self.lock_ref)
        return self._git("log", "-1", "--format=%B", commit).strip() or "unknown"

    def acquire(self) -> None:
        """Create the lock ref; refused (naming the holder) when it exists."""
        self._init()
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # the token makes every lock commit unique: two takers with the same user, host, pid and
        # second (containers, one test process) would otherwise push the same commit and both "win"
        token = uuid.uuid4().hex[:12]
        who = f"{getpass.getuser()}@{socket.gethostname()} pid {os.getpid()} since {since} (lock {token})"
        tree = self._git("mktree", stdin="")
        commit = self._git("commit-tree", tree, "-m", who)
        if not self._push(commit, self.lock_ref, None):
            holder = self.holder() or "unknown"
            raise ApplyLockedError(
                f"another apply holds the shared lock {self.repo}#{self.lock_ref}: {holder}; wait for it "
                f"to finish (if it died, delete the ref: git push {self.repo} :{self.lock_ref})",
                None,
            )
        self._lock_commit = commit

    def release(self) -> None:
        if self._lock_commit is None:
            return
        commit, self._lock_commit = self._lock_commit, None
        self._push(None, self.lock_ref, commit)


def pulled(spec: str | None, target: Target) -> SharedState | None:
    """For ``plan``: bring the target's local record up to the shared one (None without ``spec``).
    Says who applies right now, if anyone: the plan may be stale by the time it is read."""
    if not spec:
        return None
    st = SharedState(spec, target.name, target.cluster, target.state_base)
    st.pull(target.root)
    return st


@contextlib.contextmanager
def applying(spec: str | None, target: Target) -> Iterator[Callable[[str], None]]:
    """For ``apply``: take the shared lock, start from the shared record, and publish the record
    the apply leaves (whatever its result: devices that succeeded advanced) before the lock is
    released. Yields a setter for the commit message. Without ``spec``: nothing shared."""
    message = ["aidc apply"]

    def set_message(text: str) -> None:
        message[0] = text

    if not spec:
        yield set_message
        return
    st = SharedState(spec, target.name, target.cluster, target.state_base)
    st.acquire()
    try:
        parent = st.pull(target.root)
        try:
            yield set_message
        finally:
            st.push(target.root, parent, message[0])
    finally:
        st.release()
