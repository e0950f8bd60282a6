"""docker-compose.yml as `docker compose` itself reads it: loaded by the Compose Specification's
own loader (compose-go, in tests/compose_loader, built here with this machine's Go from the Go
module proxy), in a copy of the checkout where .env and connections.env are their examples, as
after the README's first two commands. No Docker is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from earshot.core.paths import PROJECT_DIR

LOADER_SOURCE = PROJECT_DIR / "tests" / "compose_loader"
# Given the settings their examples hold, as the README's first two commands do.
EXAMPLES = {".env": ".env.example", "connections.env": "connections.env.example"}
# One-shot services exit when done, and whoever needs them waits for
# service_completed_successfully: a health check would have nothing to watch.
ONE_SHOT = {"certs", "setup", "kibana-dashboards", "airflow-init"}


@pytest.fixture(scope="module")
def compose_loader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.fail("Go is needed to build the compose loader (tests/compose_loader)")
    binary = tmp_path_factory.mktemp("compose-loader") / "compose_loader"
    built = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=LOADER_SOURCE,
        env=os.environ | {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, f"go build failed:\n{built.stderr}"
    return binary


def checkout_with_examples(folder: Path) -> Path:
    """The checkout, linked, with each example copied to the file it stands for."""
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in EXAMPLES and entry.name != ".git":
            (folder / entry.name).symlink_to(entry)
    for name, example in EXAMPLES.items():
        shutil.copyfile(PROJECT_DIR / example, folder / name)
    return folder


def load(loader: Path, folder: Path) -> dict:
    result = subprocess.run([str(loader), str(folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"the compose file does not load:\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def loaded(compose_loader: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return load(compose_loader, checkout_with_examples(tmp_path_factory.mktemp("checkout")))


@pytest.fixture(scope="module")
def services(loaded: dict) -> dict[str, dict]:
    return loaded["project"]["services"]


def env_example_names() -> set[str]:
    lines = (PROJECT_DIR / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}


def test_it_loads_with_the_example_settings_and_no_warning(loaded):
    assert loaded["warnings"] == []


def test_every_variable_it_uses_is_defined_in_env_example_and_nothing_more(loaded):
    undefined = sorted(name for name, defined in loaded["variables"].items() if not defined)
    assert undefined == []
    assert set(loaded["variables"]) == env_example_names()


def test_every_file_it_mounts_reads_or_builds_from_exists(services):
    paths = []
    for name, service in services.items():
        paths += [(name, v["source"]) for v in service.get("volumes", []) if v["type"] == "bind"]
        paths += [(name, e["path"]) for e in service.get("env_file", [])]
        if "build" in service:
            context = Path(service["build"]["context"])
            paths += [(name, str(context)), (name, str(context / service["build"]["dockerfile"]))]
    assert {Path(p).name for _, p in paths} >= {"dags", "profiles", "connections.env"}
    missing = [(name, path) for name, path in paths if not Path(path).exists()]
    assert missing == []


def test_every_service_but_the_one_shots_has_a_health_check(services):
    unchecked = {n for n, s in services.items() if not s.get("healthcheck", {}).get("test")}
    assert unchecked == ONE_SHOT
    assert {n for n, s in services.items() if s.get("restart") == "no"} == ONE_SHOT


def test_every_service_has_a_memory_limit(services):
    assert {n: s.get("mem_limit") for n, s in services.items() if not s.get("mem_limit")} == {}


def test_elasticsearch_locks_its_memory_within_its_limit(services):
    es = services["elasticsearch"]
    assert es["environment"]["bootstrap.memory_lock"] == "true"
    assert es["ulimits"]["memlock"] == {"soft": -1, "hard": -1}
    heap = es["environment"]["ES_JAVA_OPTS"]
    assert heap == "-Xms1g -Xmx1g" and int(es["mem_limit"]) == 2 * 1024**3


def test_elasticsearch_speaks_https_with_certificates_from_the_certs_service(services):
    es = services["elasticsearch"]
    assert es["environment"]["xpack.security.http.ssl.enabled"] == "true"
    assert es["depends_on"]["certs"]["condition"] == "service_completed_successfully"
    assert "--cacert config/certs/ca/ca.crt" in " ".join(es["healthcheck"]["test"])
    assert "elasticsearch-certutil cert" in " ".join(services["certs"]["command"])
    kibana = services["kibana"]["environment"]
    assert kibana["ELASTICSEARCH_HOSTS"] == '["https://elasticsearch:9200"]'
    ca_in_kibana = {v["target"] for v in services["kibana"]["volumes"] if v["source"] == "es-ca"}
    assert Path(kibana["ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES"]).parent in {
        Path(t) for t in ca_in_kibana
    }


def test_airflow_reaches_elasticsearch_over_https_trusting_the_ca_and_gets_mail_settings(
    services,
):
    for name in ["airflow-scheduler", "airflow-apiserver", "setup", "desk"]:
        env = services[name]["environment"]
        assert env["EARSHOT_ELASTICSEARCH_URL"] == "https://elasticsearch:9200", name
        ca = Path(env["EARSHOT_ELASTICSEARCH_CA_CERTS"])
        mounted = {v["target"] for v in services[name]["volumes"] if v["source"] == "es-ca"}
        assert str(ca.parent) in mounted, name
    scheduler = services["airflow-scheduler"]["environment"]
    assert "from_email=" in scheduler["AIRFLOW_CONN_SMTP_DEFAULT"]
    assert scheduler["EARSHOT_KIBANA_URL"] == "http://localhost:5601"
    assert scheduler["EARSHOT_DESK_URL"] == "http://localhost:8790"
    assert scheduler["EARSHOT_PROFILE"] == "/opt/earshot/profiles/example-force.yaml"
    assert scheduler["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true"
    # connections.env reaches the Airflow services; .env's superuser password does not.
    assert "AIRFLOW_CONN_BLUESKY_FORCE" in scheduler and "ELASTIC_PASSWORD" not in scheduler


def test_the_scheduler_does_not_wait_for_the_mail_catcher(services):
    assert "mailpit" not in services["airflow-scheduler"]["depends_on"]


def test_the_check_catches_an_unset_variable_and_a_missing_env_file(compose_loader, tmp_path):
    (tmp_path / ".env").write_text("")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    image: nginx:${NOT_IN_ENV}\n    env_file: connections.env\n"
    )
    result = subprocess.run(
        [str(compose_loader), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "connections.env" in result.stderr
    (tmp_path / "connections.env").write_text("")
    assert load(compose_loader, tmp_path)["variables"] == {"NOT_IN_ENV": False}
    assert load(compose_loader, tmp_path)["warnings"] == [
        'The "NOT_IN_ENV" variable is not set. Defaulting to a blank string.'
    ]


def test_the_check_catches_a_key_the_specification_does_not_know(compose_loader, tmp_path):
    (tmp_path / ".env").write_text("")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    image: nginx:1.27\n    mem_limt: 1g\n"
    )
    result = subprocess.run(
        [str(compose_loader), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "mem_limt" in result.stderr
