"""`make chaos`: the faults issue 18 found, and Elasticsearch dying, filling up and
restarting, each injected while the collect DAG runs through Airflow (dag.test) against a
real local node and feed servers on loopback. What was lost, doubled or brought back after
erasure is counted from what the node holds at the end, never assumed; secrets are searched
for in every log, every index and Airflow's database.

    python -m bench.chaos   # 2,000 items per case; CHAOS_ITEMS=500 for a quick look,
                            # CHAOS_ONLY=disk for the cases whose name says so

The table goes to stdout; everything the runs logged goes to `.earshot/chaos/run.log`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import yaml

from earshot.app.airflow_env import airflow_env
from earshot.core.paths import DEFAULT_PROFILE, PROJECT_DIR
from tests.conftest import news_items, rss
from tests.policy.test_secrets_not_logged import REDDIT_ID, REDDIT_SECRET, EchoingPlatforms, forms

ITEMS = int(os.environ.get("CHAOS_ITEMS", "2000"))
ONLY = os.environ.get("CHAOS_ONLY", "")  # run the cases whose function's name has this in it
WORK = PROJECT_DIR / ".earshot" / "chaos"
PSEUDONYM_KEY = "chaos-harness-pseudonym-key-0123456789abcdef"
TRACKING = "?utm_source=twitter&utm_medium=social&fbclid=abc"
ERASED_COUNT = 4


@dataclass
class Outcome:
    """One case: what should be kept, and what was erased and must stay gone."""

    case: str
    expected: set[str]
    erased: set[str] = field(default_factory=set)
    note: str = ""


@dataclass(frozen=True)
class Row:
    case: str
    served: int
    stored: int
    lost: int
    duplicated: int
    erased_back: int
    note: str


class FaultyFeed:
    """One feed at /feed: whole, cut short after `cut_at` bytes with no Content-Length, or
    answering 500 with an error body that trickles a byte every half second."""

    def __init__(self, body: bytes):
        self.body = body
        self.cut_at: int | None = None
        self.trickle_seconds = 0.0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if feed.trickle_seconds:
                        self._trickle(feed.trickle_seconds)
                        return
                    etag = f'"{hashlib.sha256(feed.body).hexdigest()[:16]}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("ETag", etag)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(feed.body[: feed.cut_at])

            def _trickle(self, seconds: float) -> None:
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Connection", "close")
                self.end_headers()
                until = time.monotonic() + seconds
                while time.monotonic() < until:
                    self.wfile.write(b"e")
                    self.wfile.flush()
                    time.sleep(0.5)

            def log_message(self, format: str, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/feed"

    def __enter__(self) -> FaultyFeed:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class Harness:
    """The node, Airflow's home and the run log, shared by every case."""

    def __init__(self, node, es, out):
        self.node = node
        self.es = es
        self.out = out  # the terminal, while stdout and stderr go to the run log

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def fresh(self) -> None:
        """Nothing of the last case, and Earshot's indices as `earshot setup` leaves them."""
        from earshot.governance.install import install

        names = list(self.es.indices.get(index="earshot-*", expand_wildcards="all"))
        if names:
            self.es.indices.delete(index=",".join(names))
        install(self.es)

    def profile(self, url: str, **extra) -> None:
        self.sources([{"kind": "rss", "name": "local-news", "url": url} | extra])

    def sources(self, sources: list[dict]) -> None:
        profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
        profile["sources"] = sources
        for demo_only in ("demo", "retention"):  # the sample feeds' long retention
            profile.pop(demo_only, None)
        path = WORK / "profile.yaml"
        path.write_text(yaml.safe_dump(profile))
        os.environ["EARSHOT_PROFILE"] = str(path)

    def collect(self) -> str:
        """One run of earshot_collect through Airflow; its state."""
        return _run_dag("earshot_collect.py", "earshot_collect")

    def maintain(self) -> str:
        return _run_dag("earshot_maintenance.py", "earshot_maintenance", datetime.now(UTC))

    def stored(self) -> list[str]:
        from elasticsearch.helpers import scan

        from earshot.core.near_duplicates import identity_url
        from earshot.store.indices import MENTIONS

        self.es.indices.refresh(index=MENTIONS, ignore_unavailable=True, allow_no_indices=True)
        hits = scan(self.es, index=MENTIONS, _source=["url.full"], ignore_unavailable=True)
        return [identity_url(hit["_source"]["url"]["full"]) or "" for hit in hits]

    def erase(self, links: list[str]) -> set[str]:
        from earshot.core.near_duplicates import identity_url
        from earshot.governance.erasure import by_url, erase

        for link in links:
            erase(self.es, by_url(link), apply=True, actor="chaos")
        return {identity_url(link) or link for link in links}


@contextlib.contextmanager
def feeding(h: Harness, body: bytes, **settings) -> Iterator[FaultyFeed]:
    """A feed on loopback, the profile's one source."""
    with FaultyFeed(body) as feed:
        h.profile(feed.url, max_bytes=50_000_000, **settings)
        yield feed


def _run_dag(file: str, dag_id: str, logical_date: datetime | None = None) -> str:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_DIR / "dags" / file))
    if bag.import_errors:
        raise RuntimeError(f"{file} did not import: {bag.import_errors}")
    dag = bag.dags[dag_id]
    for task in dag.tasks:
        task.retries = 0  # a failure is seen now; the harness re-runs as the schedule would
    run = dag.test(logical_date=logical_date) if logical_date else dag.test()
    return str(run.state)


def identities(items: list[dict]) -> set[str]:
    from earshot.core.near_duplicates import identity_url

    return {identity_url(item["link"]) or item["link"] for item in items}


def start() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


# -- the cases -------------------------------------------------------------------------


def feed_cut_short(h: Harness) -> Outcome:
    items = news_items(ITEMS, "cut", start=start())
    with feeding(h, rss(items)) as feed:
        feed.cut_at = len(feed.body) * 3 // 4
        h.collect()
        feed.cut_at = None
        h.collect()
    return Outcome("200 cut short, no Content-Length", identities(items))


def error_body_trickles(h: Harness) -> Outcome:
    items = news_items(ITEMS, "trickle", start=start())
    with feeding(h, rss(items), timeout_seconds=2) as feed:
        feed.trickle_seconds = 60
        began = time.monotonic()
        h.collect()
        held = time.monotonic() - began
        feed.trickle_seconds = 0
        h.collect()
    return Outcome("500 with a trickling body", identities(items), note=f"run held {held:.0f} s")


def links_gain_tracking(h: Harness) -> Outcome:
    def served(tracking: str) -> list[dict]:
        items = news_items(ITEMS, "utm", start=start())
        for n, item in enumerate(items):
            item["link"] += tracking
            if n % 2:
                del item["guid"]
            else:
                item["guid"] = item["link"]
        return items

    with feeding(h, rss(served(""))) as feed:
        h.collect()
        feed.body = rss(served(TRACKING))
        h.collect()
    return Outcome("links gain utm_* (no stable guid)", identities(served("")))


def broken_byte(h: Harness) -> Outcome:
    items = news_items(ITEMS, "byte", start=start())
    body = rss(items).replace(b"(byte 7)", b"(byt\xff 7)", 1)
    with feeding(h, body):
        h.collect()
    return Outcome("one invalid UTF-8 byte", identities(items))


def hidden_force_name(h: Harness) -> Outcome:
    items = news_items(ITEMS, "zw", start=start())
    for n, item in enumerate(items):
        hidden = "Lincoln\u200bshire Police" if n % 2 else "Lincolnshire Po\u00adlice"
        for key in ("title", "description"):
            item[key] = item[key].replace("Lincolnshire Police", hidden)
    with feeding(h, rss(items)):
        h.collect()
    return Outcome("zero-width / soft hyphen in the force's name", identities(items))


def erased_reshared(h: Harness) -> Outcome:
    items = news_items(ITEMS, "erase", start=start())
    with feeding(h, rss(items)) as feed:
        h.collect()
        erased = h.erase([item["link"] for item in items[:ERASED_COUNT]])
        for item in items[:ERASED_COUNT]:
            item["link"] += TRACKING
            item.pop("guid")
        feed.body = rss(items, title="Lincolnshire news, re-shared")
        h.collect()
    return Outcome("erased posts re-shared with tracking", identities(items) - erased, erased)


def erase_by_url_neighbours(h: Harness) -> Outcome:
    items = news_items(ITEMS, "spa", start=start())
    for n, item in enumerate(items):
        item["link"] = f"https://spa.example/#/post/{n}" if n % 2 else f"https://q.example/?s={n}"
        del item["guid"]
    with feeding(h, rss(items)):
        h.collect()
    erased = h.erase([items[1]["link"], items[2]["link"]])
    return Outcome("erase --url beside look-alike neighbours", identities(items) - erased, erased)


def past_retention(h: Harness) -> Outcome:
    recent = news_items(ITEMS, "recent", start=start())
    old = news_items(ITEMS // 10, "old", start=datetime.now(UTC) - timedelta(days=365))
    with feeding(h, rss(recent + old)) as feed:
        h.collect()
        h.maintain()
        feed.body = rss(recent + old, title="Lincolnshire news, changed")
        h.collect()
    return Outcome("items already past retention", identities(recent), note=f"+{len(old)} old")


def killed_mid_bulk(kill: bool) -> Callable[[Harness], Outcome]:
    signal_name = "SIGKILL" if kill else "SIGTERM"

    def case(h: Harness) -> Outcome:
        from earshot.store.indices import MENTIONS

        items = news_items(ITEMS, signal_name.lower(), start=start())
        at_stop: list[int] = []

        def stop_when_writing() -> None:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                with contextlib.suppress(Exception):
                    count = h.es.count(index=MENTIONS, ignore_unavailable=True)["count"]
                    if count:
                        at_stop.append(count)
                        h.node.stop(kill=kill)
                        return
                time.sleep(0.01)

        with feeding(h, rss(items)):
            watcher = threading.Thread(target=stop_when_writing, daemon=True)
            watcher.start()
            first = h.collect()
            watcher.join()
            h.node.start()
            h.collect()
        note = f"{at_stop[0] if at_stop else 'none'} written at {signal_name}; 1st run {first}"
        return Outcome(f"Elasticsearch {signal_name} mid-bulk", identities(items), note=note)

    return case


def disk_full(h: Harness) -> Outcome:
    items = news_items(ITEMS, "disk", start=start())
    half = ITEMS // 2
    with feeding(h, rss(items[:half])) as feed:
        h.collect()
        _flood(h.es, on=True)
        feed.body = rss(items)
        during = h.collect()
        _flood(h.es, on=False)
        h.collect()
    return Outcome("disk full (flood-stage watermark)", identities(items), note=f"run {during}")


def _flood(es, *, on: bool) -> None:
    """Every disk is over a 1 TB-free flood stage; Elasticsearch marks each index
    read-only-allow-delete, and releases it itself when the watermark is cleared."""
    value = (lambda size: size) if on else (lambda size: None)
    es.cluster.put_settings(
        persistent={
            # The local node turns the disk checks off in its own settings; these win.
            "cluster.routing.allocation.disk.threshold_enabled": value(True),
            "cluster.routing.allocation.disk.watermark.low": value("3tb"),
            "cluster.routing.allocation.disk.watermark.high": value("2tb"),
            "cluster.routing.allocation.disk.watermark.flood_stage": value("1tb"),
            "cluster.info.update.interval": value("10s"),
        }
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _blocked(es) != on:
        time.sleep(1)
    if _blocked(es) != on:
        raise RuntimeError(f"the flood-stage block did not {'appear' if on else 'clear'}")


def _blocked(es) -> bool:
    settings = es.indices.get_settings(
        index="earshot-*", name="index.blocks.read_only_allow_delete", expand_wildcards="all"
    )
    return any(s.get("settings") for s in settings.values())


def node_restart(h: Harness) -> Outcome:
    items = news_items(ITEMS, "restart", start=start())
    half = ITEMS // 2
    with feeding(h, rss(items[:half])) as feed:
        h.collect()
        erased = h.erase([item["link"] for item in items[:ERASED_COUNT]])
        h.node.stop()
        h.node.start()
        for item in items[:ERASED_COUNT]:
            item["link"] += TRACKING
        feed.body = rss(items)
        h.collect()
    return Outcome("full node restart (erasures before it)", identities(items) - erased, erased)


def secret_echoed(h: Harness) -> Outcome:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), EchoingPlatforms)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    h.sources(
        [
            {
                "kind": "reddit",
                "name": "reddit",
                "connection": "reddit_conn",
                "terms": ["police"],
                "api_url": f"{base}/reddit/api",
                "token_url": f"{base}/reddit/refused-token",
            }
        ]
    )
    state = h.collect()
    httpd.shutdown()
    httpd.server_close()
    return Outcome("platform echoes the planted secret", set(), note=f"run {state}")


CASES: tuple[Callable[[Harness], Outcome], ...] = (
    feed_cut_short,
    error_body_trickles,
    links_gain_tracking,
    broken_byte,
    hidden_force_name,
    erased_reshared,
    erase_by_url_neighbours,
    past_retention,
    killed_mid_bulk(kill=True),
    killed_mid_bulk(kill=False),
    disk_full,
    node_restart,
    secret_echoed,
)


# -- measuring -------------------------------------------------------------------------


def measure(h: Harness, outcome: Outcome) -> Row:
    stored = h.stored()
    distinct = set(stored)
    return Row(
        case=outcome.case,
        served=len(outcome.expected),
        stored=len(stored),
        lost=len(outcome.expected - distinct),
        duplicated=len(stored) - len(distinct),
        erased_back=len(distinct & outcome.erased),
        note=outcome.note,
    )


def secret_forms() -> set[str]:
    """The planted Reddit secret, the node's password and the pseudonym key, in every form."""
    return (
        forms(REDDIT_SECRET, login=REDDIT_ID)
        | forms(os.environ["EARSHOT_ELASTICSEARCH_PASSWORD"], login="elastic")
        | forms(PSEUDONYM_KEY)
    )


def secrets_found(h: Harness, places: list[Path]) -> dict[str, int]:
    """How many secret forms each place holds: files (logs, Airflow's database) and the
    documents of every Earshot index."""
    from elasticsearch.helpers import scan

    forms = secret_forms()
    texts = {
        str(path): path.read_bytes().decode(errors="replace")
        for place in places
        for path in ([place] if place.is_file() else place.rglob("*"))
        if path.is_file()
    }
    hits = scan(h.es, index="earshot-*", expand_wildcards="all", query={"query": {"match_all": {}}})
    texts["Elasticsearch: every earshot-* document"] = json.dumps([hit for hit in hits])
    return {where: sum(form in text for form in forms) for where, text in texts.items()}


def table(rows: list[Row], secrets: dict[str, int]) -> str:
    head = ("case", "served", "stored", "lost", "duplicated", "erased back", "note")
    body = [(r.case, r.served, r.stored, r.lost, r.duplicated, r.erased_back, r.note) for r in rows]
    total = ("total", *(sum(r[i] for r in body) for i in range(1, 6)), "")
    lines = [head, *body, total]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    text = [
        " | ".join(str(cell).ljust(w) if i in (0, 6) else str(cell).rjust(w)
                   for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
        for line in lines
    ]  # fmt: skip
    text.insert(1, "-+-".join("-" * w for w in widths))
    text.insert(-1, "-+-".join("-" * w for w in widths))
    leaked = sum(secrets.values())
    where = ", ".join(w for w, n in secrets.items() if n) or "none"
    text.append(f"secrets found in logs, indices and Airflow's database: {leaked} ({where}; "
                f"{len(secrets)} places searched)")  # fmt: skip
    return "\n".join(text)


@contextlib.contextmanager
def run_log(path: Path) -> Iterator[object]:
    """Everything written to stdout and stderr (Airflow's task logs, ours) goes to `path`;
    yields the terminal."""
    terminal = os.fdopen(os.dup(1), "w")
    with path.open("ab") as log:
        saved = os.dup(1), os.dup(2)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    airflow_home = WORK / "airflow"
    os.environ.update(airflow_env(airflow_home))
    os.environ["EARSHOT_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    os.environ["AIRFLOW_CONN_REDDIT_CONN"] = (
        f"generic://{REDDIT_ID}:{quote(REDDIT_SECRET, safe='')}@"
    )
    log_path = WORK / "run.log"

    from elasticsearch import Elasticsearch

    from earshot.store.local_node import LocalNode

    node = LocalNode(WORK / "elasticsearch")
    with run_log(log_path) as terminal:
        airflow = Path(sys.executable).with_name("airflow")
        subprocess.run([str(airflow), "db", "migrate"], check=True)
        running = node.start()
        try:
            os.environ["EARSHOT_ELASTICSEARCH_URL"] = running.url
            os.environ["EARSHOT_ELASTICSEARCH_USER"] = "elastic"
            os.environ["EARSHOT_ELASTICSEARCH_PASSWORD"] = node.password()
            es = Elasticsearch(
                running.url, basic_auth=("elastic", node.password()), request_timeout=120
            )
            h = Harness(node, es, terminal)
            h.say(f"{len(CASES)} cases, {ITEMS} items each; run log: {log_path}")
            rows = []
            for case in [c for c in CASES if ONLY in c.__qualname__]:
                began = time.monotonic()
                h.fresh()
                rows.append(measure(h, case(h)))
                h.say(f"  {rows[-1].case}: {time.monotonic() - began:.0f} s")
            secrets = secrets_found(h, [log_path, airflow_home, node.runtime / "logs"])
            h.say(table(rows, secrets))
        finally:
            node.destroy()


if __name__ == "__main__":
    main()
