"""`make stack`: Earshot's production shape on one machine, without Docker, for forces whose
IT runs plain VMs. Elasticsearch (the local node, unless EARSHOT_ELASTICSEARCH_URL names the
force's cluster), PostgreSQL as Airflow's database, Airflow's scheduler (LocalExecutor),
dag-processor, triggerer and API server, and a loopback mail sink (unless
AIRFLOW_CONN_SMTP_DEFAULT names the force's relay): started and stopped together, with every
log in one folder.

Everything lives under `<EARSHOT_HOME>/stack`. Ports are chosen once and kept, so URLs stay the
same across restarts. Airflow's keys are made on the first start and kept in an owner-only
file. Each long-running process leads its own process group, so stopping it stops the
workers it started too.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from elasticsearch import Elasticsearch

from earshot.app.airflow_env import airflow_env
from earshot.app.background_desk import BackgroundDesk
from earshot.app.postgres import LocalPostgres
from earshot.app.setup import default_pseudonym_key_file, use_pseudonym_key
from earshot.core.errors import EarshotError
from earshot.core.processes import Background, free_port
from earshot.core.secret_file import write_secret
from earshot.governance.install import install
from earshot.store.local_node import LocalNode, earshot_home

# Started in this order, stopped in the reverse; each a `airflow <command>`.
AIRFLOW_COMMANDS = ("api-server", "scheduler", "dag-processor", "triggerer")
MAIL_SINK = "mail-sink"
DESK = "desk"  # the response desk, for analysts on this machine or behind a TLS proxy
SENDER = "earshot@localhost"  # the sink's; a real relay's connection names the force's own
HEALTHY_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 60


class StackError(EarshotError):
    """A part of the stack did not start or stop; says which, and where its log is."""


@dataclass(frozen=True)
class Part:
    name: str
    running: bool
    detail: str = ""


class Stack:
    def __init__(self, home: Path):
        self.home = home
        self.logs = home / "logs"
        self.airflow_home = home / "airflow"
        self.mail = home / "mail"  # a Maildir: one file per message in mail/new
        self.postgres = LocalPostgres(home / "postgres", self.logs / "postgres.log")
        self.node = LocalNode.default()
        self._parts = {
            name: Background(home / f"{name}.pid") for name in (*AIRFLOW_COMMANDS, MAIL_SINK)
        }

    @classmethod
    def default(cls) -> Stack:
        return cls(earshot_home() / "stack")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._ports()['api']}"

    @property
    def desk_url(self) -> str:
        return os.environ.get("EARSHOT_DESK_URL") or f"http://127.0.0.1:{self._ports()['desk']}"

    @property
    def admin_password_file(self) -> Path:
        """Where Airflow's SimpleAuthManager writes the `admin` user's generated password."""
        return self.airflow_home / "simple_auth_manager_passwords.json.generated"

    def start(self) -> list[Part]:
        """Start what is not running; what is running is left alone."""
        for folder in (self.home, self.logs, self.airflow_home):
            folder.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o755)  # PostgreSQL's account must reach its folder inside
        if not os.environ.get("EARSHOT_ELASTICSEARCH_URL"):
            running = self.node.start()
            _link(self.logs / "elasticsearch", self.node.runtime / "logs")
            # What `earshot setup` installs (the local node's `elastic` is its admin); the
            # force's own cluster is set up by its administrator.
            install(Elasticsearch(running.url, basic_auth=("elastic", self.node.password())))
        env = self._environment(database=self.postgres.start(self._ports()["postgres"]))
        if not all(self._alive(name) for name in AIRFLOW_COMMANDS):
            self._airflow_once(["db", "migrate"], env, "airflow-db-migrate")
        if not self._uses_own_relay() and not self._alive(MAIL_SINK):
            listen = f"127.0.0.1:{self._ports()['smtp']}"
            handler = ["-c", "aiosmtpd.handlers.Mailbox", str(self.mail)]
            self._launch(
                MAIL_SINK, [sys.executable, "-m", "aiosmtpd", "-n", "-l", listen, *handler], env
            )
        for command in AIRFLOW_COMMANDS:
            if not self._alive(command):
                self._launch(command, [_airflow(), command], env)
        self._wait_healthy()
        self._desk.start(env)
        return self.status()

    def stop(self) -> list[str]:
        """What was stopped; nothing when nothing ran."""
        stopped = [DESK] if self._desk.stop() else []
        for name in (*reversed(AIRFLOW_COMMANDS), MAIL_SINK):
            if self._parts[name].stop(grace_seconds=STOP_TIMEOUT_SECONDS):
                stopped.append(name)
        if self.postgres.stop():
            stopped.append("postgres")
        if self.node.stop():
            stopped.append("elasticsearch")
        return stopped

    def status(self) -> list[Part]:
        parts = [
            Part("postgres", self.postgres.running()),
            Part("api-server", self._alive("api-server"), f"Airflow {self.api_url}"),
            *(Part(name, self._alive(name)) for name in AIRFLOW_COMMANDS[1:]),
            Part(DESK, self._desk.status() is not None, f"the response desk {self.desk_url}"),
        ]
        if not self._uses_own_relay():
            parts.append(Part(MAIL_SINK, self._alive(MAIL_SINK), f"Maildir {self.mail}"))
        if not os.environ.get("EARSHOT_ELASTICSEARCH_URL"):
            running = self.node.status()
            parts.append(Part("elasticsearch", running is not None, running.url if running else ""))
        return parts

    # -- internals ---------------------------------------------------------------

    def _environment(self, *, database: str) -> dict[str, str]:
        """What every Airflow process and task gets: the caller's environment (the profile,
        platform connections) with the stack's own settings, and its keys from the file.
        `database`: the SQLAlchemy URL of Airflow's PostgreSQL."""
        use_pseudonym_key(default_pseudonym_key_file())
        keys = self._keys()
        ports = self._ports()
        env = {
            **os.environ,
            **airflow_env(self.airflow_home),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",  # task processes at once: a small VM's worth
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CORE__FERNET_KEY": keys["fernet"],
            "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt"],
            "AIRFLOW__API__SECRET_KEY": keys["api"],
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(ports["api"]),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            # As in compose: nothing runs before someone has looked at the profile.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs / "airflow"),
            # The digest and alerts link to the desk; the desk signs its cookies with this.
            "EARSHOT_DESK_URL": self.desk_url,
            "EARSHOT_DESK_SECRET": os.environ.get("EARSHOT_DESK_SECRET") or keys["desk"],
        }
        if not self._uses_own_relay():
            env["AIRFLOW_CONN_SMTP_DEFAULT"] = (
                f"smtp://127.0.0.1:{ports['smtp']}?from_email={SENDER.replace('@', '%40')}"
                "&disable_ssl=true&disable_tls=true&timeout=10"
            )
        if not os.environ.get("EARSHOT_ELASTICSEARCH_URL"):
            running = self.node.status()
            assert running is not None, "the local node was started above"
            env |= {
                "EARSHOT_ELASTICSEARCH_URL": running.url,
                "EARSHOT_ELASTICSEARCH_USER": "elastic",
                "EARSHOT_ELASTICSEARCH_PASSWORD": self.node.password(),
            }
        return env

    def _uses_own_relay(self) -> bool:
        return bool(os.environ.get("AIRFLOW_CONN_SMTP_DEFAULT"))

    def _keys(self) -> dict[str, str]:
        """Made on the first start and kept; a key a later version needs is added to them."""
        from cryptography.fernet import Fernet

        path = self.home / "airflow-keys.json"
        keys = json.loads(path.read_text()) if path.exists() else {}
        made = {
            "fernet": lambda: Fernet.generate_key().decode(),
            "jwt": lambda: secrets.token_urlsafe(32),
            "api": lambda: secrets.token_urlsafe(32),
            "desk": lambda: secrets.token_urlsafe(32),
        }
        missing = {name: make() for name, make in made.items() if name not in keys}
        if missing:
            keys |= missing
            write_secret(path, json.dumps(keys))
        return keys

    def _ports(self) -> dict[str, int]:
        """Chosen once and kept, so the API server's URL and the database's stay the same."""
        path = self.home / "ports.json"
        ports = json.loads(path.read_text()) if path.exists() else {}
        missing = {n: free_port() for n in ("api", "postgres", "smtp", "desk") if n not in ports}
        if missing:
            ports |= missing
            path.write_text(json.dumps(ports))
        return ports

    def _airflow_once(self, args: list[str], env: dict[str, str], log_name: str) -> None:
        log_file = self.logs / f"{log_name}.log"
        with log_file.open("a") as log:
            result = subprocess.run(
                [_airflow(), *args], env=env, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode != 0:
            raise StackError(
                f"`airflow {' '.join(args)}` failed: see {log_file}\n{_tail(log_file)}"
            )

    def _launch(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        """In its own process group: stopping it ends its workers too."""
        self._parts[name].start(cmd, log=self.logs / f"{name}.log", env=env, cwd=self.home)

    def _wait_healthy(self) -> None:
        """The API server reports the database and every Airflow component's heartbeat."""
        deadline = time.monotonic() + HEALTHY_TIMEOUT_SECONDS
        last = "no answer"
        while time.monotonic() < deadline:
            for name, part in self._parts.items():
                if part.pid() and not part.alive():
                    log_file = self.logs / f"{name}.log"
                    raise StackError(f"{name} exited: see {log_file}\n{_tail(log_file)}")
            try:
                health = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=10).json()
                unhealthy = [k for k, v in health.items() if v.get("status") != "healthy"]
                if not unhealthy:
                    return
                last = f"not yet healthy: {', '.join(unhealthy)}"
            except (httpx.HTTPError, ValueError) as e:
                last = f"{type(e).__name__}: {e}"
            time.sleep(2)
        raise StackError(f"Airflow did not become healthy in time ({last}); logs in {self.logs}")

    def _alive(self, name: str) -> bool:
        return self._parts[name].alive()

    @property
    def _desk(self) -> BackgroundDesk:
        return BackgroundDesk(self.home, self._ports()["desk"], log=self.logs / f"{DESK}.log")


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def _tail(log_file: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
