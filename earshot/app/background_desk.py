"""The response desk left running in the background on this machine: by `earshot demo`,
beside the demo's local Elasticsearch node and, like it, until stopped (`make desk-stop`);
and by `make stack`, as one of its parts.

The demo's port is not the demo's sample feeds' (earshot/app/demo.py), so a second
`make demo` serves its feeds while the first one's desk is still up.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from earshot.core.errors import EarshotError
from earshot.core.processes import Background, port_free

DESK_PORT = 8790
START_SECONDS = 60
STOP_SECONDS = 10


class DeskError(EarshotError):
    """The desk did not start."""


@dataclass(frozen=True)
class RunningDesk:
    url: str
    pid: int


class BackgroundDesk:
    def __init__(self, home: Path, port: int = DESK_PORT, *, log: Path | None = None) -> None:
        """`home`: where its pid file goes (the demo's Earshot home, or the stack's);
        its log goes there too unless `log` says where."""
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log or home / "desk.log"
        self._process = Background(home / "desk.pid")

    def start(self, env: dict[str, str] | None = None) -> RunningDesk:
        """Start the desk on loopback, or reuse the one already running; returns once it
        answers. Without `env`, this environment and a new cookie secret: sessions live in
        the desk's memory, so a new secret per start loses nothing."""
        running = self.status()
        if running is not None:
            return running
        # Else another program's answer would pass for this desk's while it fails to bind.
        if not port_free(self.port):
            raise DeskError(
                f"port {self.port} is taken by another program; stop it first (another "
                "checkout's demo desk: `make desk-stop` there)"
            )
        env = env or os.environ | {"EARSHOT_DESK_SECRET": secrets.token_urlsafe(48)}
        earshot = str(Path(sys.executable).with_name("earshot"))
        process = self._process.start(
            [earshot, "desk", "--host", "127.0.0.1", "--port", str(self.port)],
            log=self.log,
            env=env,
        )
        self._wait_until_it_answers(process)
        return RunningDesk(self.url, process.pid)

    def status(self) -> RunningDesk | None:
        pid = self._process.pid()
        return RunningDesk(self.url, pid) if pid and self._process.alive() else None

    def stop(self) -> bool:
        """False when it was not running."""
        return self._process.stop(grace_seconds=STOP_SECONDS)

    def _wait_until_it_answers(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/signin", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
        raise DeskError(
            f"the desk did not answer on port {self.port} within {START_SECONDS}s; "
            f"its log ({self.log}) ends:\n{tail}"
        )
