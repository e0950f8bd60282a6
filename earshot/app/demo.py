"""`make demo`: the collect DAG run once through Airflow over the bundled sample feeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from earshot.app.airflow_env import airflow_env
from earshot.app.background_desk import BackgroundDesk, DeskError
from earshot.app.collect import DEMO_VARIABLE
from earshot.app.feed_server import FeedServer
from earshot.app.report import print_counts, print_most_negative, print_response_queue
from earshot.app.setup import default_pseudonym_key_file, use_pseudonym_key
from earshot.core.pseudonym import PseudonymKeyMissing
from earshot.governance.install import install
from earshot.store.connection import connect
from earshot.store.local_node import LocalNode, earshot_home
from earshot.store.queries import mention_counts, most_negative, response_queue

# profiles/lincolnshire.yaml points its sources at this port.
SAMPLE_FEEDS_PORT = 8765

console = Console()


def run_demo() -> None:
    node = LocalNode.default()
    running = node.start()
    console.print(f"Elasticsearch {running.url} is up (pid {running.pid}).")
    es = connect()
    install(es)  # what `earshot setup` installs; the local node's key is its admin
    before = mention_counts(es).total

    home = earshot_home()
    os.environ.update(airflow_env(home / "airflow"))
    os.environ[DEMO_VARIABLE] = "1"  # its profile's sources are the sample feeds served below
    # The demo's recorded Bluesky answers take any app password; a real one comes from the
    # environment or an Airflow Connection, never from code.
    os.environ.setdefault("AIRFLOW_CONN_BLUESKY_LINCS", "generic://lincscomms.bsky.social:demo@")
    # Authors are stored under a keyed pseudonym; the demo keeps its key beside the node's
    # password, made on the first run.
    try:
        use_pseudonym_key(default_pseudonym_key_file())
    except PseudonymKeyMissing as e:
        sys.exit(f"earshot demo: {e}")
    log_file = home / "demo-airflow.log"
    if not (home / "airflow" / "airflow.db").exists():
        console.print("Preparing Airflow's metadata database (first run only)…")
        _airflow(["db", "migrate"], log_file)
    try:
        server = FeedServer.sample_feeds(port=SAMPLE_FEEDS_PORT)
    except OSError as e:
        sys.exit(
            f"Port {SAMPLE_FEEDS_PORT} is taken ({e}); the demo serves its sample feeds there."
        )
    with server:
        console.print(f"Serving the sample feeds on http://127.0.0.1:{SAMPLE_FEEDS_PORT}/ …")
        console.print("Running the earshot_collect DAG once through Airflow…")
        ok = _airflow(["dags", "test", "earshot_collect"], log_file, check=False)
    console.print(f"Airflow's log of the run: {log_file}")

    es.indices.refresh(index="earshot-mentions", ignore_unavailable=True)
    counts = mention_counts(es)
    added = counts.total - before
    if added:
        console.print(f"\n[bold]This run indexed {added} new mentions.[/bold]")
    else:
        console.print(
            f"\n[bold]Nothing new: all {counts.total} mentions were already indexed.[/bold]"
        )
    print_counts(console, counts)
    print_most_negative(console, most_negative(es))
    print_response_queue(console, response_queue(es, limit=5))
    console.print(
        f"\nElasticsearch is still running at {running.url}. Query it with:\n"
        f"  curl -u elastic:$(cat {node.home / 'elastic-password'}) "
        f"'{running.url}/earshot-mentions/_search?q=police&pretty'\n"
        "  .venv/bin/earshot stats            (counts by source and tone)\n"
        "Stop it with:  make es-stop   (or .venv/bin/earshot es stop)",
        soft_wrap=True,
    )
    if not ok:
        sys.exit("The collect DAG run failed; see the Airflow log above.")
    _open_the_desk(home, node)


def _open_the_desk(home: Path, node: LocalNode) -> None:
    """Last, so it is what the reader sees. The demo node has only its built-in users (its
    distribution cannot hold native ones), so the desk is signed into as `elastic`."""
    try:
        desk = BackgroundDesk(home).start()
    except DeskError as e:
        sys.exit(f"earshot demo: {e}")
    console.print(
        f"\n[bold]The response desk, with these mentions: {desk.url}/[/bold]\n"
        f"  sign in as elastic, with the password in {node.home / 'elastic-password'}\n"
        "Stop it with:  make desk-stop   (or .venv/bin/earshot desk-stop)",
        soft_wrap=True,
    )


def _airflow(args: list[str], log_file: Path, *, check: bool = True) -> bool:
    airflow = Path(sys.executable).with_name("airflow")
    with log_file.open("a") as log:
        result = subprocess.run([str(airflow), *args], stdout=log, stderr=subprocess.STDOUT)
    if check and result.returncode != 0:
        sys.exit(f"`airflow {' '.join(args)}` failed; see {log_file}")
    return result.returncode == 0
