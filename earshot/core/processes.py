"""Processes Earshot leaves running on this machine after the command that started them has
ended (the local Elasticsearch node, the demo's desk, the parts of `make stack`). Each is
known only by its pid file, so a later command can find it, check it and stop it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path


class Background:
    def __init__(self, pid_file: Path, *, group: bool = True) -> None:
        """`group`: the process leads its own process group (as `start` makes it), and
        signals go to the whole group, so stopping it also stops the workers it started.
        A process that daemonised itself and wrote its own pid file is not a leader."""
        self.pid_file = pid_file
        self.group = group

    def start(
        self, cmd: list[str], *, log: Path, env: dict[str, str], cwd: Path | None = None
    ) -> subprocess.Popen:
        """Detached: it outlives this command, with its output appended to `log`."""
        with log.open("ab") as out:
            process = subprocess.Popen(
                cmd,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        return process

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def alive(self) -> bool:
        """A stale pid file is not a running process."""
        pid = self.pid()
        if pid is None:
            return False
        _reap(pid)
        try:
            self._signal(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, and another user's (the node's service account)
            return True
        return True

    def stop(self, *, grace_seconds: float, kill: bool = False) -> bool:
        """SIGTERM (SIGKILL when `kill`), then SIGKILL what is left after `grace_seconds`.
        False when it was not running."""
        if not self.alive():
            self.pid_file.unlink(missing_ok=True)
            return False
        pid = self.pid()
        assert pid is not None
        self._send(pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while self.alive():
            if time.monotonic() > deadline:
                self._send(pid, signal.SIGKILL)
            time.sleep(0.2)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _signal(self, pid: int, sig: int) -> None:
        (os.killpg if self.group else os.kill)(pid, sig)

    def _send(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            self._signal(pid, sig)


def _reap(pid: int) -> None:
    """A child of ours that has exited stays a zombie (and answers signals) until reaped."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def port_free(port: int) -> bool:
    """Nobody listens on the loopback port. As servers bind it (Elasticsearch, uvicorn): one
    left in TIME_WAIT by a killed process counts as free."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
