"""docker-compose.yml, checked without Docker: the Compose Specification schema, pinned images,
start order, secrets only from .env, and every path it mounts or builds from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from earshot.core.paths import PROJECT_DIR

COMPOSE_FILE = PROJECT_DIR / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_DIR / ".env.example"
SCHEMA = PROJECT_DIR / "tests" / "data" / "compose" / "compose-spec.json"

COMPOSE_TEXT = COMPOSE_FILE.read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # anchors and merge keys resolved, as Compose does
SERVICES: dict[str, dict] = COMPOSE["services"]
LONG_RUNNING = [name for name, s in SERVICES.items() if s.get("restart") != "no"]
ONE_SHOT = [name for name, s in SERVICES.items() if s.get("restart") == "no"]
AIRFLOW = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines())
    return {k: v for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def interpolated_names(text: str) -> set[str]:
    """${NAME}, ${NAME:-default}, ${NAME:?error}; $${NAME} is the container's, not Compose's."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def test_the_compose_file_follows_the_compose_specification():
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(COMPOSE)
    ]
    assert errors == []


def test_the_schema_check_catches_a_mistyped_key():
    schema = json.loads(SCHEMA.read_text())
    broken = {
        "services": {"kibana": {"image": "kibana", "depends_on": {"es": {"condition": "up"}}}}
    }
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(broken))


def test_the_services_the_deployment_needs_are_all_there():
    assert set(SERVICES) == {
        "elasticsearch",
        "setup",
        "kibana",
        "kibana-dashboards",
        "postgres",
        "airflow-init",
        *AIRFLOW,
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


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(name):
    assert SERVICES[name]["healthcheck"]["test"]


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


def test_depends_on_names_only_services_that_exist_and_one_shots_are_never_restarted():
    for name in SERVICES:
        assert set(wait_conditions(name)) <= set(SERVICES), name
    assert set(ONE_SHOT) == {"setup", "kibana-dashboards", "airflow-init"}


def test_airflow_runs_the_local_executor_on_postgres_with_earshots_settings():
    for name in [*AIRFLOW, "airflow-init"]:
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/earshot/dags"
        for variable in (
            "EARSHOT_ELASTICSEARCH_URL",
            "EARSHOT_ELASTICSEARCH_API_KEY",
            "EARSHOT_PROFILE",
            "AIRFLOW_CONN_SMTP_DEFAULT",
        ):
            assert variable in env, f"{name} lacks {variable}"
        # The key `setup` writes is the key the Airflow services read.
        key_file = SERVICES["setup"]["environment"]["EARSHOT_WRITER_API_KEY_FILE"]
        assert env["EARSHOT_ELASTICSEARCH_API_KEY_FILE"] == key_file
    commands = {SERVICES[n]["command"][0] for n in AIRFLOW}
    assert commands == {"api-server", "scheduler", "dag-processor", "triggerer"}


def test_every_variable_the_compose_file_uses_is_in_env_example_and_back():
    assert interpolated_names(COMPOSE_TEXT) == set(env_example())


def test_env_example_holds_no_real_secrets():
    for name, value in env_example().items():
        if re.search(r"PASSWORD|SECRET|KEY$", name) and name != "EARSHOT_ELASTICSEARCH_API_KEY":
            assert value.startswith("change-me"), f"{name} in .env.example looks like a real secret"
    assert env_example()["EARSHOT_ELASTICSEARCH_API_KEY"] == ""


def test_no_secret_is_written_into_the_compose_file():
    for service in SERVICES.values():
        for name, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|FERNET|ENCRYPTIONKEY", name):
                assert "${" in str(value), f"{name} must come from .env"


def bind_mounts() -> list[str]:
    sources = []
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                sources.append(source)
    return sources


def test_every_mounted_file_or_directory_exists_in_the_repository():
    assert bind_mounts(), "expected the DAGs and profiles to be mounted"
    for source in bind_mounts():
        assert (PROJECT_DIR / source).resolve().exists(), f"{source} is mounted but missing"


def test_named_volumes_are_declared():
    named = {
        v.split(":", 1)[0]
        for s in SERVICES.values()
        for v in s.get("volumes", [])
        if not v.startswith((".", "/"))
    }
    assert named == set(COMPOSE["volumes"])


def dockerfile_copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text().splitlines():
        if line.startswith(("COPY ", "ADD ")):
            words = [w for w in line.split()[1:] if not w.startswith("--")]
            sources += words[:-1]
    return sources


def test_everything_it_builds_from_exists_and_local_state_stays_out_of_the_image():
    builds = {
        (s["build"]["context"], s["build"]["dockerfile"]) for s in SERVICES.values() if "build" in s
    }
    assert builds == {(".", "docker/earshot.Dockerfile")}
    dockerfile = PROJECT_DIR / "docker" / "earshot.Dockerfile"
    for source in dockerfile_copy_sources(dockerfile):
        assert (PROJECT_DIR / source).exists(), f"{dockerfile.name} copies missing {source}"
    ignored = (PROJECT_DIR / "docker" / "earshot.Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".earshot", ".git", ".env"} <= set(ignored)


def test_the_entrypoint_hands_over_to_airflows_and_reads_the_key_file():
    script = (PROJECT_DIR / "docker" / "earshot-entrypoint.sh").read_text()
    assert script.startswith("#!/usr/bin/env bash\n")
    assert 'exec /entrypoint "$@"' in script
    assert "EARSHOT_ELASTICSEARCH_API_KEY_FILE" in script
    assert (PROJECT_DIR / "docker" / "earshot-entrypoint.sh").stat().st_mode & 0o111
