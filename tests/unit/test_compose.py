"""docker-compose.yml's intent, read as YAML: pinned images, start order, secrets only from the
env files, what goes into the image. That it loads as Compose reads it (the specification,
variables, files, health checks, memory limits) is tests/integration/test_compose_loader.py's."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from earshot.core.paths import PROJECT_DIR

COMPOSE_FILE = PROJECT_DIR / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_DIR / ".env.example"
CONNECTIONS_EXAMPLE = PROJECT_DIR / "connections.env.example"

COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())  # anchors and merge keys resolved
SERVICES: dict[str, dict] = COMPOSE["services"]
ONE_SHOT = [name for name, s in SERVICES.items() if s.get("restart") == "no"]
# The API keys `earshot setup` makes and writes to the shared volume: empty in .env.example.
SETUP_MAKES = ["EARSHOT_ELASTICSEARCH_API_KEY", "EARSHOT_MAINTENANCE_API_KEY"]
AIRFLOW = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]


def env_example(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines())
    return {k: v for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def test_the_services_the_deployment_needs_are_all_there():
    assert set(SERVICES) == {
        "certs",
        "elasticsearch",
        "setup",
        "kibana",
        "kibana-dashboards",
        "postgres",
        "airflow-init",
        *AIRFLOW,
        "desk",
        "mailpit",
    }


@pytest.mark.parametrize("name", [n for n, s in SERVICES.items() if "build" not in s])
def test_every_pulled_image_has_a_pinned_version_tag(name):
    image = SERVICES[name]["image"]
    repository, _, tag = image.rpartition(":")
    assert repository and re.fullmatch(r"v?\d+(\.\d+)+", tag), f"{name}: {image} is not pinned"


def test_elastic_images_are_9_2_4_and_airflow_is_3_3_2_on_python_3_11():
    assert (
        SERVICES["elasticsearch"]["image"] == "docker.elastic.co/elasticsearch/elasticsearch:9.2.4"
    )
    assert SERVICES["kibana"]["image"] == "docker.elastic.co/kibana/kibana:9.2.4"
    dockerfile = PROJECT_DIR / SERVICES["airflow-scheduler"]["build"]["dockerfile"]
    assert "FROM apache/airflow:3.3.2-python3.11\n" in dockerfile.read_text()


def test_elasticsearch_runs_single_node_with_security_and_checks_health_with_a_password():
    es = SERVICES["elasticsearch"]
    assert es["environment"]["discovery.type"] == "single-node"
    assert es["environment"]["xpack.security.enabled"] == "true"
    check = " ".join(es["healthcheck"]["test"])
    # $$ is Compose's escape: the container's shell expands ELASTIC_PASSWORD.
    assert '-u "elastic:$${ELASTIC_PASSWORD}"' in check and "/_cluster/health" in check
    assert "esdata:/usr/share/elasticsearch/data" in es["volumes"]


def wait_conditions(name: str) -> dict[str, str]:
    return {dep: c["condition"] for dep, c in SERVICES[name].get("depends_on", {}).items()}


def test_services_start_in_order():
    assert wait_conditions("elasticsearch") == {"certs": "service_completed_successfully"}
    assert wait_conditions("setup") == {"elasticsearch": "service_healthy"}
    assert wait_conditions("kibana")["setup"] == "service_completed_successfully"
    assert wait_conditions("kibana-dashboards") == {"kibana": "service_healthy"}
    assert wait_conditions("airflow-init") == {
        "postgres": "service_healthy",
        "setup": "service_completed_successfully",
    }
    for name in AIRFLOW:
        waits = wait_conditions(name)
        assert waits["airflow-init"] == "service_completed_successfully", name
        assert waits["setup"] == "service_completed_successfully", name
        assert waits["postgres"] == "service_healthy", name
    assert wait_conditions("desk") == {"setup": "service_completed_successfully"}


def test_one_shots_are_never_restarted():
    assert set(ONE_SHOT) == {"certs", "setup", "kibana-dashboards", "airflow-init"}


def test_airflow_runs_the_local_executor_on_postgres_with_earshots_settings():
    for name in [*AIRFLOW, "airflow-init"]:
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/earshot/dags"
        for variable in (
            "EARSHOT_ELASTICSEARCH_URL",
            "EARSHOT_ELASTICSEARCH_CA_CERTS",
            "EARSHOT_ELASTICSEARCH_SSL_FINGERPRINT",
            "EARSHOT_ELASTICSEARCH_API_KEY",
            "EARSHOT_KIBANA_URL",
            "EARSHOT_DESK_URL",
            "EARSHOT_PROFILE",
            "AIRFLOW_CONN_SMTP_DEFAULT",
        ):
            assert variable in env, f"{name} lacks {variable}"
        # The keys `setup` writes are the keys the Airflow services read.
        setup = SERVICES["setup"]["environment"]
        assert env["EARSHOT_ELASTICSEARCH_API_KEY_FILE"] == setup["EARSHOT_WRITER_API_KEY_FILE"]
        maintenance_file = setup["EARSHOT_MAINTENANCE_API_KEY_FILE"]
        assert env["EARSHOT_MAINTENANCE_API_KEY_FILE"] == maintenance_file
        assert maintenance_file != setup["EARSHOT_WRITER_API_KEY_FILE"]
    commands = {SERVICES[n]["command"][0] for n in AIRFLOW}
    assert commands == {"api-server", "scheduler", "dag-processor", "triggerer"}


def test_the_desk_signs_cookies_with_its_own_secret_and_is_linked_from_mail_and_kibana():
    """The desk reaches Elasticsearch as the pipeline does, with the key `setup` writes, and
    holds no Airflow secret; the emails (Airflow) and the dashboards' import link to it."""
    desk = SERVICES["desk"]["environment"]
    assert desk["EARSHOT_DESK_SECRET"] == "${EARSHOT_DESK_SECRET:?set EARSHOT_DESK_SECRET in .env}"
    key_file = SERVICES["setup"]["environment"]["EARSHOT_WRITER_API_KEY_FILE"]
    assert desk["EARSHOT_ELASTICSEARCH_API_KEY_FILE"] == key_file
    assert "env_file" not in SERVICES["desk"]
    assert not [name for name in desk if name.startswith("AIRFLOW")]
    for name in [*AIRFLOW, "kibana-dashboards"]:
        assert SERVICES[name]["environment"]["EARSHOT_DESK_URL"] == "${EARSHOT_DESK_URL-}", name


def test_env_examples_hold_no_real_secrets():
    for name, value in env_example().items():
        if re.search(r"PASSWORD|SECRET|KEY$", name) and name not in SETUP_MAKES:
            assert value.startswith("change-me"), f"{name} in .env.example looks like a real secret"
    for name in SETUP_MAKES:
        assert env_example()[name] == "", f"{name}: setup makes it, .env.example leaves it empty"
    for name, value in env_example(CONNECTIONS_EXAMPLE).items():
        assert "change-me" in value, f"{name} in connections.env.example looks like a real secret"


def test_the_airflow_services_read_connections_env_and_git_and_the_image_keep_it_out():
    for name in [*AIRFLOW, "airflow-init"]:
        assert SERVICES[name]["env_file"] == "connections.env", name
    assert {".env", "connections.env"} <= set((PROJECT_DIR / ".gitignore").read_text().split())


def test_no_secret_is_written_into_the_compose_file():
    for service in SERVICES.values():
        for name, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|FERNET|ENCRYPTIONKEY", name):
                assert "${" in str(value), f"{name} must come from .env"


def dockerfile_copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text().splitlines():
        if line.startswith(("COPY ", "ADD ")):
            words = [w for w in line.split()[1:] if not w.startswith("--")]
            sources += words[:-1]
    return sources


def test_everything_it_copies_exists_and_local_state_and_secrets_stay_out_of_the_image():
    builds = {
        (s["build"]["context"], s["build"]["dockerfile"]) for s in SERVICES.values() if "build" in s
    }
    assert builds == {(".", "docker/earshot.Dockerfile")}
    dockerfile = PROJECT_DIR / "docker" / "earshot.Dockerfile"
    for source in dockerfile_copy_sources(dockerfile):
        assert (PROJECT_DIR / source).exists(), f"{dockerfile.name} copies missing {source}"
    ignored = (PROJECT_DIR / "docker" / "earshot.Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".earshot", ".git", ".env", "connections.env"} <= set(ignored)


def test_the_entrypoint_hands_over_to_airflows():
    script = (PROJECT_DIR / "docker" / "earshot-entrypoint.sh").read_text()
    assert script.startswith("#!/usr/bin/env bash\n")
    assert 'exec /entrypoint "$@"' in script
    assert (PROJECT_DIR / "docker" / "earshot-entrypoint.sh").stat().st_mode & 0o111


def run_entrypoint(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """The real script under bash, handing over to `env` instead of Airflow's entrypoint."""
    script = (PROJECT_DIR / "docker" / "earshot-entrypoint.sh").read_text()
    assert script.count("exec /entrypoint ") == 1
    runnable = tmp_path / "entrypoint.sh"
    runnable.write_text(script.replace("exec /entrypoint ", "exec env "))
    return subprocess.run(
        ["bash", str(runnable)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
    )


def test_the_entrypoint_gives_each_job_the_key_setup_wrote_for_it(tmp_path):
    (tmp_path / "writer").write_text("d3JpdGVyOnNlY3JldA==\n")
    (tmp_path / "maintenance").write_text("bWFpbnQ6c2VjcmV0\n")
    ran = run_entrypoint(
        tmp_path,
        EARSHOT_ELASTICSEARCH_API_KEY_FILE=str(tmp_path / "writer"),
        EARSHOT_MAINTENANCE_API_KEY_FILE=str(tmp_path / "maintenance"),
    )
    assert ran.returncode == 0, ran.stderr
    assert "EARSHOT_ELASTICSEARCH_API_KEY=d3JpdGVyOnNlY3JldA==" in ran.stdout.splitlines()
    assert "EARSHOT_MAINTENANCE_API_KEY=bWFpbnQ6c2VjcmV0" in ran.stdout.splitlines()


def test_the_entrypoint_keeps_a_key_from_env_and_names_a_missing_key_file(tmp_path):
    (tmp_path / "writer").write_text("from-file\n")
    ran = run_entrypoint(
        tmp_path,
        EARSHOT_ELASTICSEARCH_API_KEY="from-env",
        EARSHOT_ELASTICSEARCH_API_KEY_FILE=str(tmp_path / "writer"),
        EARSHOT_MAINTENANCE_API_KEY_FILE=str(tmp_path / "absent"),
    )
    assert ran.returncode == 1
    assert f"no API key in {tmp_path / 'absent'}; has the setup service run?" in ran.stderr
    kept = run_entrypoint(
        tmp_path,
        EARSHOT_ELASTICSEARCH_API_KEY="from-env",
        EARSHOT_ELASTICSEARCH_API_KEY_FILE=str(tmp_path / "writer"),
    )
    assert "EARSHOT_ELASTICSEARCH_API_KEY=from-env" in kept.stdout.splitlines()
