"""The earshot_alerts DAG, run through Airflow (dag.test) against the real Elasticsearch:
its wiring to the collect DAG's Asset, and one alert for one injected spike however often
it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

from earshot.alerts.lifecycle import list_alerts
from earshot.alerts.model import Delivery
from earshot.app.assets import MENTIONS
from earshot.core.paths import DEFAULT_PROFILE, PROJECT_DIR
from tests.alert_helpers import (
    LINCOLN,
    an_alert,
    at,
    burst,
    keep_alert,
    put_mentions,
    rhythmic_history,
)
from tests.conftest import load_collect_dag, task_states, without_retry_waits
from tests.digest_helpers import Mailbox

DAG_FILE = PROJECT_DIR / "dags" / "earshot_alerts.py"
SPIKE = at("2026-11-18 10:00")


def load_alerts_dag(*, keep_retries: bool = False):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags["earshot_alerts"]
    if not keep_retries:
        for task in dag.tasks:
            task.retries = 0
    return dag


def test_alerts_run_when_collect_announces_new_mentions_and_every_quarter_hour(airflow_db):
    alerts, collect = load_alerts_dag(), load_collect_dag()
    [outlet] = collect.get_task("announce").outlets
    assert outlet is MENTIONS
    schedule = alerts.timetable
    assert isinstance(schedule, AssetOrTimeSchedule)
    assert schedule.asset_condition.objects == (MENTIONS,)
    assert isinstance(schedule.timetable, CronTriggerTimetable)
    assert schedule.timetable.expression == "*/15 * * * *"
    assert alerts.max_active_runs == 1 and not alerts.catchup
    assert alerts.get_task("evaluate").downstream_task_ids == {"notify", "evaluated"}


def test_an_injected_spike_fires_one_alert_with_its_evidence_however_often_the_dag_runs(
    es, airflow_db, write_profile
):
    write_profile([{"name": "news", "url": "http://127.0.0.1:9/news.rss"}])
    about = {"topics": ["public-order"], "places": [LINCOLN], "words": ["riot", "van", "crash"]}
    put_mentions(
        es,
        rhythmic_history(SPIKE - timedelta(weeks=3), SPIKE + timedelta(hours=1))
        + burst(SPIKE, 12, **about)
        + burst(SPIKE, 3, first=2_000_000, story="covered up the van crash in Lincoln", **about)
        + burst(SPIKE + timedelta(minutes=15), 25, first=3_000_000, **about),
    )
    dag = load_alerts_dag()

    first = dag.test(logical_date=SPIKE + timedelta(minutes=15))
    assert str(first.state) == "success"
    [alert] = list_alerts(es)
    assert (alert.rule, alert.key, alert.window_minutes) == ("negative-spike", "all", 15)
    evidence = alert.evidence
    assert evidence.count >= 13  # 12 stories and one story told three times
    assert evidence.baseline < 3 and evidence.probability < 0.001
    assert len(evidence.mentions) == 5
    assert all(m.url and m.url.startswith("https://") for m in evidence.mentions)
    assert len({m.title for m in evidence.mentions}) == 5  # near-duplicates collapsed
    assert {"riot", "van", "crash"} & set(evidence.terms)
    assert evidence.places == ("Lincoln",) and "news" in evidence.sources
    assert f"{evidence.count} stories in 15 min" in alert.message

    dag.test(logical_date=SPIKE + timedelta(minutes=15, seconds=30))  # a re-run of that window
    assert [a.id for a in list_alerts(es)] == [alert.id]

    dag.test(logical_date=SPIKE + timedelta(minutes=30))  # the next window, bigger still
    [updated] = list_alerts(es)
    assert updated.id == alert.id
    assert updated.updated == SPIKE + timedelta(minutes=30)
    assert updated.evidence.count > evidence.count


ON_CALL = ["oncall@lincs.police.example", "duty.inspector@lincs.police.example"]
OPENED = at("2026-11-18 10:15")


def run_as_deployed(logical_date) -> dict[str, str]:
    """One run with the DAG's own retries; {task: state} and the run's state."""
    dag = without_retry_waits(load_alerts_dag(keep_retries=True))
    return task_states(dag.test(logical_date=logical_date))


@pytest.fixture
def alert_waiting_for_email(es, airflow_db, tmp_path, monkeypatch):
    """An open alert whose email to on-call has not gone yet, and a profile naming them."""
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text()) | {"recipients": {"alerts": ON_CALL}}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile))
    monkeypatch.setenv("EARSHOT_PROFILE", str(path))
    alert = an_alert(OPENED).model_copy(update={"notifications": {"email": Delivery()}})
    keep_alert(es, alert)
    return alert


@pytest.mark.elasticsearch
def test_an_address_refused_for_good_leaves_the_alerts_run_red(
    es, alert_waiting_for_email, monkeypatch
):
    """RFC 5321 §4.2.1: a 5yz reply is permanent. The README promises the address is named
    in a red run; Airflow retries a failed task (its `retries`), and a retry that finds
    nothing left to send must not turn the run green before anyone has looked."""
    refused, took = ON_CALL
    with Mailbox(refusing={refused: "550 5.1.1 No such user"}) as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.connection_uri())
        states = run_as_deployed(OPENED + timedelta(minutes=5))
    assert [rcpts for _, rcpts, _ in box.received] == [[took]]
    assert states["notify"] == "failed" and states["run"] == "failed", states


@pytest.mark.elasticsearch
def test_a_mail_server_that_is_down_is_tried_once_a_run(es, alert_waiting_for_email, monkeypatch):
    """A delivery gets MAX_ATTEMPTS tries, one each run (every 15 minutes): two and a half
    hours for the mail server to come back. Retries of the notify task inside one run would
    spend them three at a time, a minute apart."""
    with Mailbox() as stopped:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", stopped.connection_uri())
    states = run_as_deployed(OPENED + timedelta(minutes=5))
    [alert] = list_alerts(es)
    assert alert.notifications["email"].state == "failed"
    assert alert.notifications["email"].attempts == 1
    assert states["run"] == "failed", states


@pytest.mark.elasticsearch
def test_a_run_given_a_date_still_to_come_judges_as_of_when_it_was_triggered(es, airflow_db):
    """Airflow 3 starts a manual run given a future logical date at once. Judged as of next
    year, every window is empty: an alert opened minutes ago would resolve as calm, and the
    next real run open it again (or every source look gone quiet)."""
    alert = an_alert(datetime.now(UTC) - timedelta(minutes=5))
    keep_alert(es, alert)
    load_alerts_dag().test(logical_date=datetime(2100, 1, 1, tzinfo=UTC))
    [still] = list_alerts(es, include_resolved=True)
    assert (still.id, still.status) == (alert.id, "open")
