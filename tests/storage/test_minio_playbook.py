"""playbooks/minio.yml run for real against localhost: its binary tasks (tag ``minio-binary``),
then the whole play installing into a staging root.

The MinIO server binary itself cannot be had here (the community project stopped publishing
binaries in October 2025 and no registry reachable from this machine ships it), so a stand-in
file plays the binary: what is tested is the pin machinery and the files of the playbook, not
MinIO. The pinned value is overridden with the stand-in's own SHA-256 for the "right binary" cases; the playbook's
real pin is only compared, never computed here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
import yaml

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


def _changed(out: str, host: str = "localhost") -> int:
    line = next(x for x in out.splitlines() if x.startswith(host))
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



@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lab-mini rendered with its storage files (ansible/, hosts/, storage/): minio1 on three servers."""
    from toolkit.design import design
    from toolkit.render import ansible, hosts, storage
    from toolkit.render.core import environment, write_atomic
    from toolkit.spec import load

    spec = load(PLAYBOOKS.parent / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    fab = design(spec)
    env = environment()
    artifacts = {**hosts.render(fab, env), **ansible.render(fab, env), **storage.render(fab, env)}
    return write_atomic(tmp_path_factory.mktemp("render") / fab.name, artifacts)


def _play(rendered: Path, env: dict[str, str], extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    local = {"ansible_connection": "local", "ansible_python_interpreter": str(BIN / "python")}
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(rendered / "ansible" / "inventory.yml"), "--limit", "stor-r01-stor01",
         "-e", json.dumps({**local, **extra}), *args, "minio.yml"],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=PLAYBOOKS,
    )


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_whole_play_installs_into_a_staging_root(
    tmp_path: Path, rendered: Path, ansible_env: dict[str, str]  # noqa: F811
) -> None:
    """The whole of minio.yml against one of lab-mini's MinIO servers, installing under a staging
    root (aidc_minio_root) from a local binary whose SHA-256 is verified: the binary, the drive
    folders, the /etc/hosts block, the environment file, the credentials and the unit land there,
    equal to the rendered files. What cannot run here, and is skipped by the play when it installs
    into a root: creating the minio-user system account, starting the systemd unit (no systemd)
    and waiting for /minio/health/cluster (no MinIO binary: the community project publishes none
    since October 2025). A --check run first proves nothing is written in check mode."""
    standin = tmp_path / "minio-standin"
    standin.write_bytes(b"#!/bin/sh\necho not really minio\n")
    root = tmp_path / "root"
    secret = "vault-secret-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:16]
    extra = {
        "aidc_minio_root": str(root),
        "aidc_minio_source": "file",
        "aidc_minio_file": str(standin),
        "aidc_minio_release_sha256": hashlib.sha256(standin.read_bytes()).hexdigest(),
        "aidc_minio_root_user": "aidc-admin",
        "aidc_minio_root_password": secret,
    }
    dry = _play(rendered, ansible_env, extra, "--check")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert not root.exists(), _files(root)  # check mode writes nothing
    run = _play(rendered, ansible_env, extra)
    assert run.returncode == 0, run.stdout + run.stderr
    assert secret not in run.stdout + run.stderr  # the credentials task is no_log
    store = rendered / "storage" / "minio" / "minio1"
    got = _files(root)
    assert got["usr/local/bin/minio"] == standin.read_bytes()
    assert got["etc/default/minio"] == (store / "minio.env").read_bytes()
    assert got["etc/systemd/system/minio.service"] == (store / "minio.service").read_bytes()
    cred = root / "etc/default/minio.credentials"
    assert cred.stat().st_mode & 0o777 == 0o600
    assert cred.read_text() == f"MINIO_ROOT_USER=aidc-admin\nMINIO_ROOT_PASSWORD={secret}\n"
    hosts_block = got["etc/hosts"].decode()
    assert "# BEGIN aidc minio minio1" in hosts_block
    assert (store / "hosts").read_text().strip().splitlines()[-1] in hosts_block
    hv = yaml.safe_load((rendered / "ansible" / "host_vars" / "stor-r01-stor01.yml").read_text())
    drives = hv["aidc_minio"]["drives"]
    assert len(drives) == 3
    for d in drives:
        assert (root / d.lstrip("/")).is_dir() and (root / d.lstrip("/")).stat().st_mode & 0o777 == 0o750, d
    for task in ("Create the MinIO user", "Start MinIO", "Wait for /minio/health/cluster"):
        section = run.stdout.split(f"TASK [{task}]", 1)[1].split("TASK [", 1)[0]
        assert "skipping:" in section and "changed:" not in section, (task, section)
    again = _play(rendered, ansible_env, extra)
    assert again.returncode == 0 and _changed(again.stdout, "stor-r01-stor01") == 0, again.stdout  # idempotent
