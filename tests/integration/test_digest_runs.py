"""The digest as it is run: the earshot_digest DAG through Airflow itself, and the
`earshot digest` command, both mailing a real SMTP server on loopback and keeping the
digest in Elasticsearch."""

from __future__ import annotations

import base64
import copy
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pendulum
import pytest

from earshot.core.clock import FORCE_TIME_ZONE as UK
from earshot.core.clock import LocalDay
from earshot.core.errors import OutcomeUnknown
from earshot.core.paths import PROJECT_DIR
from earshot.digest.archive import DIGESTS, MAPPING, kept_for, mark_sent
from earshot.digest.daily import RefusedForNow, build_and_keep, send_kept
from earshot.store.indices import MENTIONS, NotInstalled, ensure_indices
from earshot.store.mentions import index_mentions
from listeners import load_profile
from tests.conftest import task_tries, without_retry_waits
from tests.digest_helpers import write_profile
from tests.integration.test_digest import background, the_day

DAG_FILE = PROJECT_DIR / "dags" / "earshot_digest.py"
EARSHOT = str(Path(sys.executable).with_name("earshot"))
RECIPIENTS = ["command@lincs.police.example"]
TWO_READERS = ["command@lincs.police.example", "chief@lincs.police.example"]
APOSTROPHE = "sean.o'brien@lincs.police.example"
GREYLISTED = "451 4.7.1 Greylisted, try again later"


def load_digest_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert not bag.import_errors, bag.import_errors
    return bag.dags["earshot_digest"]


def test_dag_runs_daily_at_seven_uk_time_build_then_send_then_archive():
    dag = load_digest_dag()
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("0 7 * * *", "Europe/London")
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.get_task("build").downstream_task_ids == {"send", "archive"}
    assert dag.get_task("send").downstream_task_ids == {"archive"}
    assert dag.get_task("send").retries >= 3


def test_dag_runs_at_seven_on_uk_clocks_either_side_of_a_clock_change():
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(load_digest_dag().timetable)
    restriction = TimeRestriction(
        earliest=pendulum.datetime(2026, 10, 23, 12, tz="UTC"), latest=None, catchup=True
    )
    runs, last = [], None
    for _ in range(3):
        info = timetable.next_dagrun_info(
            last_automated_data_interval=last, restriction=restriction
        )
        runs.append(info.run_after.isoformat())
        last = info.data_interval
    assert runs == [
        "2026-10-24T06:00:00+00:00",  # 07:00 BST
        "2026-10-25T07:00:00+00:00",  # 07:00 GMT: the clocks went back overnight
        "2026-10-26T07:00:00+00:00",
    ]


@pytest.fixture
def readers() -> list[str]:
    """recipients.digest (a test parametrizes it to mail more)."""
    return RECIPIENTS


@pytest.fixture
def week(es, tmp_path, monkeypatch, readers):
    path = write_profile(tmp_path / "profile.yaml", recipients=readers)
    monkeypatch.setenv("EARSHOT_PROFILE", str(path))
    ensure_indices(es)
    index_mentions(es, background() + the_day())
    es.indices.refresh(index=MENTIONS)
    return es


@pytest.mark.elasticsearch
def test_dag_mails_the_day_before_its_run_and_keeps_it(week, mailbox, airflow_db):
    dag = load_digest_dag()
    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))
    assert str(run.state) == "success"

    [message] = mailbox.messages()
    assert mailbox.received[0][1] == RECIPIENTS
    assert "Wed 18 Nov" in message["Subject"]
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["status"] == "sent" and kept["recipients"] == RECIPIENTS
    assert kept["run"] == run.run_id and kept["message_id"] == message["Message-ID"].strip()
    assert kept["subject"] == message["Subject"].strip()
    assert kept["period"] == {
        "start": "2026-11-18T00:00:00+00:00",
        "end": "2026-11-19T00:00:00+00:00",
    }
    plain = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert kept["text"] == plain
    full = week.get(index=DIGESTS, id=kept["id"])["_source"]
    assert "cid:tone-by-hour@earshot" in full["html"]
    assert [base64.b64decode(i["png"])[:4] for i in full["images"]] == [b"\x89PNG"] * 4
    assert kept["headline"]["day"]["mentions"] == 19


@pytest.mark.elasticsearch
def test_a_digest_already_sent_is_not_mailed_again_when_its_send_runs_again(week, mailbox):
    """A retried or cleared send task finds the digest marked sent: command get one copy."""
    digest_id = build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")
    first = send_kept(week, digest_id)
    mark_sent(week, digest_id, first)

    again = send_kept(week, digest_id)

    assert len(mailbox.received) == 1
    assert again == first  # what the archive recorded, for the archive step to keep


@pytest.mark.elasticsearch
def test_a_sent_digest_built_again_by_a_cleared_run_is_not_mailed_again(week, mailbox):
    """Clearing the whole DAG run (Airflow's "Clear" on the run, not on its send step) builds
    the day again under the same run id: the digest kept as sent stays as it was mailed,
    and command get no second copy."""
    day = LocalDay(date(2026, 11, 18))
    digest_id = build_and_keep(week, load_profile(), day, run="r1")
    first = send_kept(week, digest_id)
    mark_sent(week, digest_id, first)

    rebuilt = build_and_keep(week, load_profile(), day, run="r1")
    again = send_kept(week, rebuilt)

    assert len(mailbox.received) == 1
    assert again == first
    [kept] = kept_for(week, day)
    assert kept["status"] == "sent" and kept["message_id"] == first.message_id


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [[*RECIPIENTS, "command@LINCS.Police.example", *RECIPIENTS]])
def test_a_reader_listed_twice_is_mailed_once(readers, week, mailbox):
    """recipients.digest names one mailbox more than once (a domain is the same in any case,
    RFC 5321 §2.4). Before, the envelope named it each time, and a mail server that delivers
    to each recipient it is given put more than one copy in that mailbox."""
    digest_id = build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")
    send_kept(week, digest_id)

    assert [rcpts for _, rcpts, _ in mailbox.received] == [RECIPIENTS]
    assert mailbox.messages()[0]["To"] == RECIPIENTS[0]


@pytest.mark.elasticsearch
def test_an_archive_setup_has_not_upgraded_stops_the_digest_before_it_is_built(week, mailbox):
    """The archive step writes fields (here the Message-ID) after the digest went out, and
    the archive's mapping is strict: an upgrade whose `earshot setup` has not run would have
    mailed command and failed to record it, so a cleared run mailed them again."""
    older = copy.deepcopy(MAPPING)
    del older["properties"]["message_id"]
    week.indices.delete(index=DIGESTS)
    week.indices.create(index=DIGESTS, mappings=older)

    with pytest.raises(NotInstalled, match=r"no field message_id: run `earshot setup`"):
        build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")
    assert mailbox.received == []


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_a_reader_refused_for_now_gets_the_same_digest_alone_on_the_send_retry(
    readers, week, mailbox, airflow_db
):
    """RFC 5321 §4.2.1 and §4.5.4.1: a 4yz reply (greylisting, a full mailbox) is transient,
    and the client should try again later. The mail server takes the digest for one reader
    and refuses the other for now: the send task's own retry sends the same email (one
    Message-ID) to that reader alone, and the first gets no second copy."""
    took, refused = readers
    mailbox.refusing[refused] = GREYLISTED

    def greylist_lifts_on_the_retry(context):
        if context["ti"].try_number > 1:
            mailbox.refusing.clear()

    dag = without_retry_waits(load_digest_dag())
    dag.get_task("send").on_execute_callback = [greylist_lifts_on_the_retry]
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))

    assert str(run.state) == "success" and task_tries(run)["send"] == ("success", 2)
    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took], [refused]]
    first, again = mailbox.messages()
    assert first["Message-ID"] == again["Message-ID"] and first["To"] == again["To"]
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["status"] == "sent" and kept["message_id"] == first["Message-ID"].strip()
    assert kept["recipients"] == readers and kept["refused"] == kept["refused_for_now"] == []


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_a_reader_still_refused_after_the_last_retry_turns_the_run_red_and_is_kept_as_refused(
    readers, week, mailbox, airflow_db
):
    """Every retry goes to the refused reader alone, never again to the one who has it; when
    the retries run out the run is red and the archive names who never got the digest."""
    took, refused = readers
    mailbox.refusing[refused] = "452 4.2.2 Mailbox full"
    dag = without_retry_waits(load_digest_dag())
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))

    assert str(run.state) == "failed"
    assert task_tries(run)["send"] == ("failed", dag.get_task("send").retries + 1)
    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took]]
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["status"] == "sent" and kept["refused"] == kept["refused_for_now"] == [refused]
    assert kept["message_id"] == mailbox.messages()[0]["Message-ID"].strip()


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_a_reader_refused_for_now_then_for_good_on_the_retry_is_kept_as_refused_for_good(
    readers, week, mailbox, airflow_db
):
    """The retry goes to the refused reader alone, and the mail server now refuses them for
    good (550: the mailbox was closed). The digest went to the other, so this is the same
    outcome as a 5yz on the first try: they are named in `refused`, not left refused for
    now for a cleared send to ask again, and nobody is tried again."""
    took, refused = readers
    mailbox.refusing[refused] = GREYLISTED

    def mailbox_closed_by_the_retry(context):
        if context["ti"].try_number > 1:
            mailbox.refusing[refused] = "550 5.1.1 No such user"

    dag = without_retry_waits(load_digest_dag())
    dag.get_task("send").on_execute_callback = [mailbox_closed_by_the_retry]
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))

    assert str(run.state) == "success" and task_tries(run)["send"] == ("success", 2)
    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took]]
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["status"] == "sent" and kept["refused"] == [refused]
    assert kept["refused_for_now"] == []


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_a_retry_the_mail_server_never_answers_is_not_mailed_again_when_the_send_is_cleared(
    readers, week, mailbox
):
    """The retry to a reader refused for now went out, and no answer came: it may well be
    delivered (RFC 5321 §4.5.3.2.6). The archive stops listing them as refused for now, so
    a cleared send task mails nobody a second copy."""
    took, later = readers
    mailbox.refusing[later] = GREYLISTED
    digest_id = build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")
    with pytest.raises(RefusedForNow):
        send_kept(week, digest_id)
    mailbox.refusing.clear()
    mailbox.answers_after = 3
    with pytest.raises(OutcomeUnknown, match=f"to {later} it may have arrived"):
        send_kept(week, digest_id, final_reply_seconds=1)
    mailbox.answers_after = 0

    cleared = send_kept(week, digest_id)

    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took], [later]]
    assert cleared.refused == cleared.refused_for_now == ()
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["status"] == "sent" and kept["refused"] == kept["refused_for_now"] == []


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_a_first_send_never_answered_is_mailed_again_only_to_the_reader_refused_for_now(
    readers, week, mailbox
):
    """The first send went out and no answer came, one reader refused for now at its
    envelope: the other may well have it. Before, the digest stayed `built`, so a cleared
    send task mailed both again, a second copy to the one who may have it."""
    took, later = readers
    mailbox.refusing[later] = GREYLISTED
    mailbox.answers_after = 3
    digest_id = build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")
    with pytest.raises(OutcomeUnknown) as told:
        send_kept(week, digest_id, final_reply_seconds=1)
    mailbox.answers_after = 0
    mailbox.refusing.clear()

    cleared = send_kept(week, digest_id)

    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took], [later]]
    assert cleared.refused == cleared.refused_for_now == ()
    assert f"to {took} it may have arrived" in str(told.value)


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [[*TWO_READERS, "duty@lincs.police.example"]])
def test_a_reader_still_refused_on_an_unanswered_retry_is_still_tried(readers, week, mailbox):
    """Refused again at the envelope, before the retry went out unanswered, the reader
    cannot have it: they stay refused for now, and a cleared send mails them alone."""
    took, arrived, still = readers
    mailbox.refusing |= {arrived: GREYLISTED, still: GREYLISTED}
    digest_id = build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")
    with pytest.raises(RefusedForNow):
        send_kept(week, digest_id)
    del mailbox.refusing[arrived]
    mailbox.answers_after = 3
    with pytest.raises(OutcomeUnknown, match=f"{still} still refused it for now"):
        send_kept(week, digest_id, final_reply_seconds=1)
    mailbox.answers_after = 0
    mailbox.refusing.clear()

    cleared = send_kept(week, digest_id)

    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took], [arrived], [still]]
    assert cleared.refused == cleared.refused_for_now == ()


def archive_disk_full(es) -> None:
    """Elasticsearch's flood-stage block on a full disk: every write answered 429."""
    es.indices.put_settings(index=DIGESTS, settings={"index.blocks.read_only_allow_delete": True})


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_an_unanswered_send_the_archive_cannot_record_is_not_mailed_again_by_a_retry(
    readers, week, mailbox, airflow_db
):
    """The mail server took the digest for both readers and hung up before answering, and
    just then the archive stopped taking writes: nothing records that they may have it.
    Before, the archive's error (retried) replaced "may have arrived", and the send
    step's retry mailed both a second copy."""
    mailbox.hangs_up, mailbox.meanwhile = True, lambda: archive_disk_full(week)
    dag = without_retry_waits(load_digest_dag())
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))

    assert str(run.state) == "failed" and task_tries(run)["send"] == ("failed", 1)
    assert [rcpts for _, rcpts, _ in mailbox.received] == [readers]


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_an_unanswered_send_the_archive_cannot_record_still_says_it_may_have_arrived(
    readers, week, mailbox
):
    """Before, the archive's own error was all the run said: nothing told command the
    digest may have arrived, nor that clearing the send step would mail it again."""
    mailbox.hangs_up, mailbox.meanwhile = True, lambda: archive_disk_full(week)
    digest_id = build_and_keep(week, load_profile(), LocalDay(date(2026, 11, 18)), run="r1")

    with pytest.raises(OutcomeUnknown) as told:
        send_kept(week, digest_id)

    assert f"to {', '.join(readers)} it may have arrived" in str(told.value)
    assert "clearing the send step would mail them again" in str(told.value)


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_a_reader_refused_for_now_the_archive_cannot_record_is_not_retried_with_everyone(
    readers, week, mailbox, airflow_db
):
    """The mail server took the digest for one reader and refused the other for now, and
    the archive could not record that. Before, the send step's retry, finding nothing
    recorded, mailed both: a second copy to the one who had it."""
    took, later = readers
    mailbox.refusing[later] = GREYLISTED
    mailbox.meanwhile = lambda: archive_disk_full(week)
    dag = without_retry_waits(load_digest_dag())
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))

    assert str(run.state) == "failed" and task_tries(run)["send"] == ("failed", 1)
    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took]]


def earshot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EARSHOT, *args], capture_output=True, text=True, env=dict(os.environ), timeout=300
    )


@pytest.mark.elasticsearch
def test_command_mails_a_chosen_day_to_a_chosen_address_and_keeps_it(week, mailbox):
    result = earshot("digest", "--date", "2026-11-18", "--to", "analyst@lincs.police.example")
    assert result.returncode == 0, result.stderr
    assert "sent to analyst@lincs.police.example" in result.stdout
    assert [rcpts for _, rcpts, _ in mailbox.received] == [["analyst@lincs.police.example"]]
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["run"].startswith("manual-") and kept["status"] == "sent"


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [["command@lincs.police.example", APOSTROPHE]])
def test_command_names_a_reader_refused_for_now_and_how_to_send_it_to_them(readers, week, mailbox):
    """The command has no Airflow retries to try again later: it says who the mail server
    refused for now, and the command that sends them the digest once it will take it, as
    a shell reads it (an apostrophe is allowed in an address, RFC 5322 §3.2.3 atext)."""
    took, refused = readers
    mailbox.refusing[refused] = GREYLISTED
    result = earshot("digest", "--date", "2026-11-18")
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert f"sent to {took}" in said
    assert f"Refused for now by the mail server: {refused}" in said
    command = "earshot digest --date 2026-11-18 --to 'sean.o'\"'\"'brien@lincs.police.example'"
    assert command in [line.strip() for line in result.stdout.splitlines()]  # pasted whole
    [kept] = kept_for(week, LocalDay(date(2026, 11, 18)))
    assert kept["status"] == "sent" and kept["refused"] == [refused]


@pytest.mark.elasticsearch
@pytest.mark.parametrize("readers", [TWO_READERS])
def test_command_after_an_unanswered_send_says_how_to_send_it_to_a_reader_refused_for_now(
    readers, week, mailbox
):
    """The mail server refused one reader for now and hung up before answering the end of
    the message: the command fails, saying the digest may have arrived. Before, it named
    the reader refused for now but not the command that mails them alone."""
    took, later = readers
    mailbox.refusing[later] = GREYLISTED
    mailbox.hangs_up = True
    result = earshot("digest", "--date", "2026-11-18")
    assert result.returncode == 1
    assert f"to {took} it may have arrived" in result.stderr
    command = f"earshot digest --date 2026-11-18 --to {later}"
    assert command in [line.strip() for line in result.stdout.splitlines()]
    assert [rcpts for _, rcpts, _ in mailbox.received] == [[took]]


@pytest.mark.elasticsearch
def test_command_says_who_has_the_digest_when_the_archive_then_fails(week, mailbox):
    """The digest went out and the archive could not record it. Before, the command said
    only the archive's error, so run again, it mailed command a second copy."""
    mailbox.meanwhile = lambda: archive_disk_full(week)
    result = earshot("digest", "--date", "2026-11-18")
    assert result.returncode == 1
    assert f"Digest for 2026-11-18 sent to {RECIPIENTS[0]}" in result.stdout
    assert "Elasticsearch answered 429" in result.stderr


@pytest.mark.elasticsearch
def test_command_writes_a_preview_a_browser_can_open_and_mails_nothing(week, mailbox, tmp_path):
    out = tmp_path / "preview.html"
    result = earshot("digest", "--date", "2026-11-18", "--preview", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert "What was said on Wednesday 18 November 2026" in html
    assert html.count('src="data:image/png;base64,') == 4 and "cid:" not in html
    assert mailbox.received == [] and kept_for(week, LocalDay(date(2026, 11, 18))) == []


def test_command_refuses_a_date_it_cannot_read():
    result = earshot("digest", "--date", "18/11/2026")
    assert result.returncode == 2
    assert "not a date like 2026-11-20" in result.stderr


@pytest.mark.elasticsearch
def test_command_with_no_one_to_mail_says_so_before_building(es, tmp_path, monkeypatch):
    path = write_profile(tmp_path / "profile.yaml", recipients=[])
    monkeypatch.setenv("EARSHOT_PROFILE", str(path))
    result = earshot("digest", "--date", "2026-11-18")
    assert result.returncode == 1
    assert "no recipients: set recipients.digest in the profile, or use --to" in result.stderr
    assert es.count(index=DIGESTS)["count"] == 0


@pytest.mark.elasticsearch
@pytest.mark.parametrize("refused", ["login", "address"])
def test_a_mail_server_refusing_for_good_fails_the_send_at_once_not_after_an_hour(
    refused, week, mailbox, airflow_db, monkeypatch
):
    """RFC 5321 §4.2.1: a 5yz reply (535 authentication refused, 550 no such user) is
    permanent, and the same request should not be repeated. The send task's retries are for
    a mail server that is down; a wrong password or address would only be refused four more
    times, over 75 minutes of back-off, before the run went red to say so."""
    if refused == "login":
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", mailbox.connection_uri(password="wrong"))
    else:
        mailbox.refusing[RECIPIENTS[0]] = "550 5.1.1 No such user"
    run = without_retry_waits(load_digest_dag()).test(
        logical_date=datetime(2026, 11, 19, 7, tzinfo=UK)
    )
    assert task_tries(run)["send"] == ("failed", 1)
    assert str(run.state) == "failed" and mailbox.received == []


@pytest.mark.elasticsearch
def test_a_run_given_a_date_still_to_come_mails_no_digest_of_that_day(week, mailbox, airflow_db):
    """Airflow 3 starts a manual run given a future logical date at once: command must not
    be mailed an empty digest of a day that has not happened; the run covers the day before
    it was triggered."""
    dag = load_digest_dag()
    for task in dag.tasks:
        task.retries = 0
    dag.test(logical_date=datetime(2100, 1, 1, 7, tzinfo=UK))
    assert kept_for(week, LocalDay(date(2099, 12, 31))) == []
    assert len(mailbox.received) == 1


@pytest.mark.elasticsearch
def test_elasticsearch_refusing_the_pipelines_credentials_fails_the_build_at_once(
    week, mailbox, airflow_db, monkeypatch
):
    """A 401 is answered again to the same credentials: the run goes red now, not after two
    more builds two minutes apart."""
    monkeypatch.setenv("EARSHOT_ELASTICSEARCH_PASSWORD", "not-the-password")
    run = without_retry_waits(load_digest_dag()).test(
        logical_date=datetime(2026, 11, 19, 7, tzinfo=UK)
    )
    assert task_tries(run)["build"] == ("failed", 1)
    assert mailbox.received == []


@pytest.mark.elasticsearch
def test_elasticsearch_refusing_credentials_after_the_send_fails_the_archive_at_once(
    week, mailbox, airflow_db, monkeypatch
):
    """The digest went out; marking it sent is refused (the password changed between the
    tasks). A retry meets the same refusal two minutes later: the run goes red now."""

    def refuse_from_now(context):
        monkeypatch.setenv("EARSHOT_ELASTICSEARCH_PASSWORD", "not-the-password")

    dag = without_retry_waits(load_digest_dag())
    dag.get_task("archive").on_execute_callback = [refuse_from_now]
    run = dag.test(logical_date=datetime(2026, 11, 19, 7, tzinfo=UK))
    assert task_tries(run)["archive"] == ("failed", 1)
    assert len(mailbox.received) == 1
