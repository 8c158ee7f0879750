"""toolkit.session.SshSession against a real OpenSSH sshd on 127.0.0.1 (no root needed: the
daemon runs as the test's user on a free port and lets only that user in, with a throw-away key)."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.session import ConnectError, DeviceError, SshSession, identity_command, identity_problem, tail
from toolkit.targets import DeviceAccess

SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not Path(SSHD).exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("needs openssh-server and ssh-keygen (Debian packages openssh-server, openssh-client)")
    d = tmp_path_factory.mktemp("sshd")
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    (d / "authorized_keys").write_text((d / "client.pub").read_text())
    port = _free_port()
    (d / "sshd_config").write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {d / 'host'}",
                f"AuthorizedKeysFile {d / 'authorized_keys'}",
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "SetEnv AIDC_DEVICE=dev1 AIDC_NETNS=ns1",
                "Subsystem sftp /usr/lib/openssh/sftp-server",
                "",
            ]
        )
    )
    host_pub = (d / "host.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    (d / "other_known_hosts").write_text("")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.skip(f"sshd did not start: {proc.stderr.read().decode()[-300:] if proc.stderr else ''}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield {"port": str(port), "dir": str(d)}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def access(sshd: dict[str, str], **kw: object) -> DeviceAccess:
    d = Path(sshd["dir"])
    base: dict[str, object] = {
        "name": "dev1",
        "kind": "server",
        "role": "test",
        "platform": "linux",
        "address": "127.0.0.1",
        "port": int(sshd["port"]),
        "user": getpass.getuser(),
        "key_file": str(d / "client"),
        "known_hosts": str(d / "known_hosts"),
        "identity": {"$AIDC_DEVICE": "dev1", "$AIDC_NETNS": "ns1"},
    }
    base.update(kw)
    return DeviceAccess.model_validate(base)


def test_commands_files_and_identity(sshd: dict[str, str], tmp_path: Path) -> None:
    with SshSession(access(sshd)) as s:
        assert s.connected
        r = s.run("echo out; echo err >&2; exit 3")
        assert (r.rc, r.stdout, r.stderr) == (3, "out\n", "err\n") and r.output == "out\nerr"
        big = s.run("head -c 300000 /dev/zero | tr '\\0' x; head -c 200000 /dev/zero | tr '\\0' y >&2")
        assert len(big.stdout) == 300000 and len(big.stderr) == 200000
        with pytest.raises(DeviceError, match=r"failed \(1\)"):
            s.run("false", check=True)
        with pytest.raises(DeviceError, match="did not finish within 1 s"):
            s.run("sleep 5", timeout=1)
        path = str(tmp_path / "f.txt")
        s.put_file(path, "hello\n", 0o600)
        assert Path(path).read_text() == "hello\n" and (Path(path).stat().st_mode & 0o777) == 0o600
        assert s.read_file(path) == "hello\n" and s.read_file(str(tmp_path / "missing")) is None
        with pytest.raises(DeviceError, match="cannot write"):
            s.put_file(str(tmp_path / "no" / "dir" / "f"), "x")
        assert s.privileged("vtysh") == "vtysh"
    assert not s.connected
    with pytest.raises(DeviceError, match="not connected"):
        s.run("true")


def test_another_device_is_refused_on_open(sshd: dict[str, str]) -> None:
    with pytest.raises(ConnectError, match=r"not the expected device .*\$AIDC_DEVICE='dev1'.*expected.*'dev2'"):
        SshSession(access(sshd, name="dev2", identity={"$AIDC_DEVICE": "dev2"})).open()


def test_an_unknown_host_key_is_refused(sshd: dict[str, str]) -> None:
    kh = str(Path(sshd["dir"]) / "other_known_hosts")
    with pytest.raises(ConnectError, match="cannot connect to"):
        SshSession(access(sshd, known_hosts=kh)).open()


def test_a_closed_port_and_a_lost_connection(sshd: dict[str, str]) -> None:
    with pytest.raises(ConnectError, match="cannot connect to"):
        SshSession(access(sshd, port=_free_port()), connect_timeout=2).open()
    s = SshSession(access(sshd)).open()
    s._client.get_transport().close()
    with pytest.raises(DeviceError, match="the SSH connection was lost before `echo`"):
        s.run("echo hi")
    s.close()


def test_identity_helpers() -> None:
    ident = {"$B": "2", "$A": "1"}
    assert identity_command(ident) == 'printf \'%s\\n\' "$A" "$B"'
    assert identity_problem("d", ident, "1\n2\n") is None
    assert "$B='(unset)'" in (identity_problem("d", ident, "1\n") or "")
    assert tail("a\n\nb\nc\n", 2) == "b | c"
