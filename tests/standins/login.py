"""ForceCommand of a stand-in's sshd (see ``tests.standins``): what a login on the device runs.

``AIDC_STANDIN_DIR`` (set by sshd's ``SetEnv``) is the device's state folder; its ``kind`` file
says which NOS it stands in for. EOS: the interactive CLI on the pty (or one command, for an exec
channel). Cumulus / SONiC: SFTP for the sftp subsystem, otherwise ``bash -c`` with the
stand-in's ``nv`` / ``config`` / ``show`` / ``vtysh`` / ``hostname`` first on PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.standins.core import DeviceState

SFTP_SERVER = "/usr/lib/openssh/sftp-server"


def main() -> None:
    root = os.environ["AIDC_STANDIN_DIR"]
    st = DeviceState(root)
    kind = st.read("kind").strip()
    cmd = os.environ.get("SSH_ORIGINAL_COMMAND")
    if kind == "eos":
        from tests.standins.eos import EosCli
        from tests.standins.eos import main as repl

        if cmd:
            sys.stdout.write(EosCli(st).handle(cmd))
            return
        repl(root)
        return
    if cmd and (cmd.endswith("sftp-server") or cmd == "internal-sftp"):
        os.execv(SFTP_SERVER, [SFTP_SERVER])
    env = dict(os.environ)
    env["PATH"] = f"{Path(root) / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    argv = ["bash", "-c", cmd] if cmd else ["bash", "--norc", "-i"]
    os.execvpe("bash", argv, env)


if __name__ == "__main__":
    main()
