"""PostgreSQL as Airflow's metadata database in `make stack`: the distribution's server, with
its data under the stack's folder, on loopback only, with a password of its own.

PostgreSQL refuses to run as root, so under root it runs as a system account of its own
(SERVICE_USER), which owns nothing but this database's folder. Debian's `postgresql`
package is installed when no server is found and apt can install it (we are root).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

from earshot.core.errors import EarshotError
from earshot.store.local_node import ensure_service_user

SERVICE_USER = "earshot-pg"
ROLE = "airflow"  # owns the database; the only role Airflow signs in with
DATABASE = "airflow"
START_TIMEOUT_SECONDS = 120


class PostgresError(EarshotError):
    """PostgreSQL could not be installed, set up, started or stopped; says why."""


class LocalPostgres:
    """`home` holds the data folder, the role's password and the chosen port."""

    def __init__(self, home: Path, log_file: Path):
        self.home = home
        self.data = home / "data"
        self.log_file = log_file

    def start(self, port: int) -> str:
        """Set up (first time) and start; the SQLAlchemy URL Airflow uses. Reuses a running one."""
        bin_dir = find_bin_dir()
        root = os.geteuid() == 0
        if root:
            self._check_reachable()
            ensure_service_user(SERVICE_USER)
        if not (self.data / "PG_VERSION").exists():
            self._initdb(bin_dir)
        if not self.running():
            self.log_file.touch()
            if root:
                shutil.chown(self.log_file, SERVICE_USER, SERVICE_USER)
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={port} "
                f"-c unix_socket_directories='{self.data}'"
            )
            self._as_owner(
                [
                    *(bin_dir / "pg_ctl", "start", "-D", self.data, "-l", self.log_file),
                    *("-w", "-t", str(START_TIMEOUT_SECONDS), "-o", options),
                ]
            )
        url = f"postgresql+psycopg2://{ROLE}:{self.password()}@127.0.0.1:{port}/{DATABASE}"
        self._ensure_database(port)
        return url

    def running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        status = self._as_owner([find_bin_dir() / "pg_ctl", "status", "-D", self.data], check=False)
        return status.returncode == 0

    def stop(self) -> bool:
        """Fast shutdown (open sessions are ended). False when it was not running."""
        if not self.running():
            return False
        self._as_owner([find_bin_dir() / "pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w"])
        return True

    def password(self) -> str:
        return (self.home / "password").read_text().strip()

    def _check_reachable(self) -> None:
        """Its account is nobody in particular: every folder above its own must be open to all."""
        closed = [p for p in self.home.parents if p.exists() and not p.stat().st_mode & 0o001]
        if closed:
            raise PostgresError(
                f"PostgreSQL runs as {SERVICE_USER}, which cannot reach {self.home}: "
                f"{closed[-1]} is closed to other users; set EARSHOT_HOME to a folder under "
                "one it can reach (for example /srv/earshot)"
            )

    def _initdb(self, bin_dir: Path) -> None:
        """The role and its password are made here, so no moment runs without a password."""
        shutil.rmtree(self.data, ignore_errors=True)  # a half-made one from an interrupted run
        self.home.mkdir(parents=True, exist_ok=True)
        password_file = self.home / "password"
        if not password_file.exists():
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(24) + "\n")
        self.home.chmod(0o700)
        if os.geteuid() == 0:
            for path in (self.home, password_file):
                shutil.chown(path, SERVICE_USER, SERVICE_USER)
        self._as_owner(
            [
                *(bin_dir / "initdb", "-D", self.data, "-U", ROLE, "-E", "UTF8"),
                *("--auth=scram-sha-256", f"--pwfile={password_file}"),
            ]
        )

    def _ensure_database(self, port: int) -> None:
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=port, user=ROLE, password=self.password(), dbname="postgres"
        )
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        finally:
            connection.close()

    def _as_owner(self, cmd: list, *, check: bool = True) -> subprocess.CompletedProcess:
        root = os.geteuid() == 0
        result = subprocess.run(
            [str(c) for c in cmd],
            user=SERVICE_USER if root else None,
            group=SERVICE_USER if root else None,
            extra_groups=[] if root else None,
            cwd=self.home if self.home.exists() else None,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise PostgresError(
                f"{Path(str(cmd[0])).name} {cmd[1] if len(cmd) > 1 else ''} failed: "
                f"{(result.stderr or result.stdout).strip()}\n(see {self.log_file})"
            )
        return result


def find_bin_dir() -> Path:
    """The folder with initdb and pg_ctl: on PATH, else the newest of Debian's
    /usr/lib/postgresql/<version>/bin, else installed from Debian's packages."""
    found = _bin_dir()
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
            result = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if result.returncode != 0:
                raise PostgresError(f"{' '.join(cmd)} failed: {result.stderr.strip()[-500:]}")
        found = _bin_dir()
    if not found:
        raise PostgresError(
            "PostgreSQL's server (initdb, pg_ctl) is not installed: install Debian's "
            "`postgresql` package (apt-get install postgresql)"
        )
    return found


def _bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    return debian[-1].parent if debian else None
