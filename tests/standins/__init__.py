"""STAND-INS for vendor network operating systems (Arista EOS, NVIDIA Cumulus NVUE, SONiC).

The vendor images cannot run on this machine (no KVM, no Docker), so the vendor drivers
(``toolkit.drivers.eos`` / ``cumulus`` / ``sonic``) are tested against small Python emulators of
the few CLI commands they use. Each stand-in runs behind a REAL OpenSSH ``sshd`` on 127.0.0.1
(high port, started and stopped by PID, see ``tests.standins.sshd``), as its ``ForceCommand``:

- ``eos``: an interactive CLI (``tests.standins.eos``) on the SSH pty, driven by netmiko's
  ``arista_eos`` channel handling: prompts, ``terminal length 0`` (without it long output pages
  with `` --More-- ``), ``terminal width``, configuration sessions, ``% Invalid input`` errors;
- ``cumulus`` / ``sonic``: a real ``bash`` whose ``nv`` (``tests.standins.nvue``) or ``config``,
  ``show``, ``vtysh`` (``tests.standins.sonic``) are the emulators, reached through aidc's own
  SSH session (exec channels, exit status, SFTP), as on the real Linux-based NOS.

Every stand-in keeps its running configuration and candidate/pending state in files of its
state folder (``tests.standins.core.DeviceState``), implements commit timers with a detached
timer process (rollback when the timer expires without a confirm, whether or not the SSH session
that committed is still alive) and rejects invalid input. Faults (drop the connection, refuse new
logins, send a signal to the test process) are injected through ``faults.json`` when a command
matches. They are NOT the vendor software: what EOS, NVUE or SONiC really accept is checked by
the vendors' own schemas in ``tests/vendor``.
"""
