"""The response desk as `earshot demo` leaves it: running in the background on this machine,
beside the demo's local Elasticsearch node and, like it, until stopped (`make desk-stop`).

Its port is not the demo's sample feeds' (earshot/app/demo.py), so a second `make demo`
serves its feeds while the first one's desk is still up.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from earshot.core.errors import EarshotError
from earshot.store.local_node import process_alive

DESK_PORT = 8790
START_SECONDS = 60


class DeskError(EarshotError):
    """The demo's desk did not start."""


@dataclass(frozen=True)
class RunningDesk:
    url: str
    pid: int


class DemoDesk:
    def __init__(self, home: Path, port: int = DESK_PORT) -> None:
        """`home`: the Earshot home the demo keeps its node in (its pid file and log go
        there too)."""
        self.home = home
        self.port = port
        self.log = home / "desk.log"
        self._pid_file = home / "desk.pid"

    def start(self) -> RunningDesk:
        """Start the desk on loopback, or reuse the one already running; returns once it
        answers."""
        running = self.status()
        if running is not None:
            return running
        # Sessions live in the desk's memory, so a new secret per start loses nothing.
        env = os.environ | {"EARSHOT_DESK_SECRET": secrets.token_urlsafe(48)}
        earshot = Path(sys.executable).with_name("earshot")
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [str(earshot), "desk", "--host", "127.0.0.1", "--port", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # outlives the demo, as the node does
            )
        self._pid_file.write_text(str(process.pid))
        desk = RunningDesk(url=f"http://127.0.0.1:{self.port}", pid=process.pid)
        self._wait_until_it_answers(desk, process)
        return desk

    def status(self) -> RunningDesk | None:
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return RunningDesk(f"http://127.0.0.1:{self.port}", pid) if process_alive(pid) else None

    def stop(self) -> bool:
        """False when it was not running."""
        running = self.status()
        self._pid_file.unlink(missing_ok=True)
        if running is None:
            return False
        os.kill(running.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while process_alive(running.pid):
            if time.monotonic() > deadline:
                os.kill(running.pid, signal.SIGKILL)
            time.sleep(0.1)
        return True

    def _wait_until_it_answers(self, desk: RunningDesk, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if httpx.get(f"{desk.url}/signin", timeout=2).status_code == 200:
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
