"""playbooks/minio.yml, its binary tasks (tag ``minio-binary``) run for real against localhost.

The MinIO server binary itself cannot be had here (the community project stopped publishing
binaries in October 2025 and no registry reachable from this machine ships it), so a stand-in
file plays the binary: what is tested is the pin machinery of the playbook, not MinIO. The pinned
value is overridden with the stand-in's own SHA-256 for the "right binary" cases; the playbook's
real pin is only compared, never computed here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.test_playbooks import BIN, PLAYBOOKS, ansible_env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def _run(tmp: Path, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    inv = tmp / "inventory.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": str(BIN / "python")}
    inv.write_text(json.dumps({"minio_servers": {"hosts": {"localhost": local}}}))
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inv), "--tags", "minio-binary", "-e", json.dumps(extra), "minio.yml"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=PLAYBOOKS,
    )


def _changed(out: str) -> int:
    line = next(x for x in out.splitlines() if x.startswith("localhost"))
    return int(line.split("changed=")[1].split()[0])


def test_a_file_source_installs_only_the_pinned_binary(tmp_path: Path, ansible_env: dict[str, str]) -> None:  # noqa: F811
    standin = tmp_path / "minio-standin"
    standin.write_bytes(b"#!/bin/sh\necho not really minio\n")
    pin = hashlib.sha256(standin.read_bytes()).hexdigest()
    dest = tmp_path / "bin" / "minio"
    dest.parent.mkdir()
    common = {"aidc_minio_source": "file", "aidc_minio_file": str(standin), "aidc_minio_install_path": str(dest)}
    ok = _run(tmp_path, ansible_env, **common, aidc_minio_release_sha256=pin)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert dest.read_bytes() == standin.read_bytes() and dest.stat().st_mode & 0o777 == 0o755
    assert not Path(f"{dest}.aidc-staged").exists()
    assert _changed(ok.stdout) == 1
    again = _run(tmp_path, ansible_env, **common, aidc_minio_release_sha256=pin)
    assert again.returncode == 0 and _changed(again.stdout) == 0, again.stdout  # idempotent
    # another file than the pinned release: refused, the installed binary untouched, no stage left
    other = tmp_path / "other"
    other.write_bytes(b"#!/bin/sh\necho tampered\n")
    bad = _run(tmp_path, ansible_env, **{**common, "aidc_minio_file": str(other)}, aidc_minio_release_sha256=pin)
    assert bad.returncode != 0
    assert f"is not MinIO RELEASE.2025-09-07T16-13-09Z: SHA-256 {hashlib.sha256(other.read_bytes()).hexdigest()}" in (
        bad.stdout + bad.stderr
    )
    assert dest.read_bytes() == standin.read_bytes() and not Path(f"{dest}.aidc-staged").exists()


def test_a_url_source_checks_the_sha256_before_installing(tmp_path: Path, ansible_env: dict[str, str]) -> None:  # noqa: F811
    """get_url with a file:// mirror (no network): a wrong pin installs nothing."""
    standin = tmp_path / "mirror" / "minio.linux-amd64.RELEASE.2025-09-07T16-13-09Z"
    standin.parent.mkdir()
    standin.write_bytes(b"#!/bin/sh\necho mirror copy\n")
    dest = tmp_path / "bin" / "minio"
    dest.parent.mkdir()
    common = {"aidc_minio_source_url": standin.as_uri(), "aidc_minio_install_path": str(dest)}
    bad = _run(tmp_path, ansible_env, **common, aidc_minio_release_sha256="0" * 64)
    assert bad.returncode != 0 and not dest.exists(), bad.stdout
    assert "checksum" in (bad.stdout + bad.stderr).lower()
    pin = hashlib.sha256(standin.read_bytes()).hexdigest()
    ok = _run(tmp_path, ansible_env, **common, aidc_minio_release_sha256=pin)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert dest.read_bytes() == standin.read_bytes() and dest.stat().st_mode & 0o777 == 0o755

