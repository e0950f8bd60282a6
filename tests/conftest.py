"""Shared fixtures: a real Elasticsearch node for the session, a private Airflow, feed helpers.

Integration tests never skip: if the node cannot start, they fail and say why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml

from earshot.app.airflow_env import airflow_env
from earshot.core.paths import DEFAULT_PROFILE

# Fixtures the digest tests share (a loopback SMTP server), and the desk's (desk, users).
pytest_plugins = ["tests.digest_helpers", "tests.desk_helpers"]

# Airflow reads its settings at import: point it at a private home before anything imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="earshot-test-airflow-"))
os.environ.update(airflow_env(_AIRFLOW_HOME))
for _var in ("EARSHOT_ELASTICSEARCH_URL", "EARSHOT_ELASTICSEARCH_API_KEY", "EARSHOT_PROFILE"):
    os.environ.pop(_var, None)
# The tests' Elasticsearch nodes live minutes and serve small requests: without the optimising
# compiler (C2), whose compiling outweighs its gain here, a node starts and serves in about
# half the CPU. A developer's own ES_JAVA_OPTS stand.
os.environ.setdefault("ES_JAVA_OPTS", "-XX:TieredStopAtLevel=1")
# The authors' pseudonym secret (earshot/core/pseudonym.py): a test value, never a real one.
os.environ["EARSHOT_PSEUDONYM_KEY"] = "earshot-tests-pseudonym-key-0123456789abcdef"

from elasticsearch import Elasticsearch  # noqa: E402

from earshot.governance.install import install  # noqa: E402
from earshot.store.local_node import LocalNode, NodeError  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a test marked `long` first, the rest as collected: `make test` hands a
    worker one file at a time, and a long file handed out last runs alone at the end while
    the other workers wait."""
    long = {item.path for item in items if item.get_closest_marker("long")}
    items.sort(key=lambda item: item.path not in long)


@pytest.fixture(autouse=True)
def earshot_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    """Each test its own EARSHOT_HOME: what a listener keeps between runs there (a Bluesky
    session) must not carry from one test to the next."""
    home = tmp_path_factory.mktemp("earshot-home")
    monkeypatch.setenv("EARSHOT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def es_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    node = LocalNode(tmp_path_factory.mktemp("earshot-home") / "elasticsearch")
    try:
        running = node.start()
    except NodeError as e:
        pytest.fail(
            f"the local Elasticsearch node did not start, so integration tests cannot run:\n{e}"
        )
    # Every test reaches the node the way production reaches a cluster: through the environment.
    os.environ["EARSHOT_ELASTICSEARCH_URL"] = running.url
    os.environ["EARSHOT_ELASTICSEARCH_USER"] = "elastic"
    os.environ["EARSHOT_ELASTICSEARCH_PASSWORD"] = node.password()
    yield node
    node.destroy()


@pytest.fixture
def es(es_node: LocalNode) -> Iterator[Elasticsearch]:
    """A client on a cluster `earshot setup` has just installed, with no Earshot data: each
    test starts from nothing the pipeline wrote."""
    client = Elasticsearch(
        os.environ["EARSHOT_ELASTICSEARCH_URL"],
        basic_auth=("elastic", es_node.password()),
        request_timeout=60,
    )
    _delete_earshot_indices(client)
    install(client)
    yield client
    client.close()


def _delete_earshot_indices(client: Elasticsearch) -> None:
    names = list(client.indices.get(index="earshot-*", expand_wildcards="all"))
    if names:
        client.indices.delete(index=",".join(names))


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return _AIRFLOW_HOME


@pytest.fixture
def write_profile(tmp_path: Path):
    """Write a force profile whose sources are the given (name, url[, extra]) and select it."""

    def write(sources: list[dict], *, mentions_days: int = 3650) -> Path:
        # The fixtures are dated around November 2026 and a collect run refuses what is past
        # retention on the day it runs: ten years, so the tests do not rot as the calendar
        # moves on. Tests of retention give the period they test.
        profile = {
            "retention": {"mentions_days": mentions_days},
            "force": {
                "name": "Lincolnshire Police",
                "aliases": ["Lincs Police"],
                "handles": ["@LincsPolice"],
                "campaigns": [{"name": "Bobby Bear", "terms": ["Bobby Bear", "#BobbyBear"]}],
            },
            "area": yaml.safe_load(DEFAULT_PROFILE.read_text())["area"],
            "sources": [{"kind": "rss"} | s for s in sources],
        }
        path = tmp_path / "profile.yaml"
        path.write_text(yaml.safe_dump(profile))
        os.environ["EARSHOT_PROFILE"] = str(path)
        return path

    yield write
    os.environ.pop("EARSHOT_PROFILE", None)


def rss(items: list[dict], title: str = "Lincolnshire news") -> bytes:
    """An RSS 2.0 document; each item may give title, link, guid, description, pubDate, author."""
    parts = []
    for item in items:
        fields = "".join(
            f"<{tag}>{escape(str(item[key]))}</{tag}>"
            for key, tag in (
                ("title", "title"),
                ("link", "link"),
                ("guid", "guid"),
                ("description", "description"),
                ("pubDate", "pubDate"),
                ("author", "dc:creator"),
            )
            if key in item
        )
        parts.append(f"<item>{fields}</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example/</link>"
        f"<description>test feed</description>{''.join(parts)}</channel></rss>"
    ).encode()


def news_items(count: int, prefix: str, start: datetime | None = None) -> list[dict]:
    """`count` items that each name the force, one hour apart, with unique links."""
    start = start or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    return [
        {
            "title": f"{prefix} {i}: Lincolnshire Police appeal for witnesses",
            "link": f"https://news.example/{prefix}/{i}",
            "guid": f"https://news.example/{prefix}/{i}",
            "description": f"Officers from Lincolnshire Police thank the public ({prefix} {i}).",
            "pubDate": (start - timedelta(hours=i)).strftime("%a, %d %b %Y %H:%M:%S +0000"),
        }
        for i in range(count)
    ]


DAG_FILE = Path(__file__).resolve().parent.parent / "dags" / "earshot_collect.py"


def load_collect_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert not bag.import_errors, bag.import_errors
    return bag.dags["earshot_collect"]


def without_retry_waits(dag):
    """The DAG's own retries, without the minutes Airflow waits between them."""
    for task in dag.tasks:
        task.retry_delay = timedelta(0)
    return dag


def task_tries(run) -> dict[str, tuple[str, int]]:
    """{task (or task[map name]): (state, how many tries)} of one dag.test() run."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter(
            TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
        )
        return {
            ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.rendered_map_index}]": (
                str(ti.state),
                ti.try_number,
            )
            for ti in tis
        }


def task_states(run) -> dict[str, str]:
    """{task (or task[map name]): state} of one dag.test() run, and the run's as "run"."""
    return {task: state for task, (state, _) in task_tries(run).items()} | {"run": str(run.state)}


@pytest.fixture
def run_collect_dag(airflow_db: Path, es_node: LocalNode):
    """Run earshot_collect once through Airflow (dag.test); returns {task: state}.

    Retries are set to 0 so a failing source fails now rather than after the retry delay.
    """

    def run() -> dict[str, str]:
        dag = load_collect_dag()
        for task in dag.tasks:
            task.retries = 0
        return task_states(dag.test())

    return run
