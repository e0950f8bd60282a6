"""The Airflow settings Earshot runs its DAGs with, outside docker compose."""

from __future__ import annotations

from pathlib import Path

from earshot.core.paths import PROJECT_DIR


def airflow_env(airflow_home: Path) -> dict[str, str]:
    """For the demo and the tests: a SQLite Airflow of our own, our DAGs only."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
