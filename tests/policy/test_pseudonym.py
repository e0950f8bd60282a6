"""Authors are kept under a keyed pseudonym, their handles only where the profile allows, and
nothing Earshot shows (queries, digest, CLI) is about one person."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import click
import pytest
import typer.main
import yaml

from earshot.app.cli import app
from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.app.setup import use_pseudonym_key
from earshot.core.clock import LocalDay
from earshot.core.model import Mention, mention_id
from earshot.core.paths import PROJECT_DIR
from earshot.core.people import without_people
from earshot.core.pseudonym import KEY_VARIABLE, PseudonymKeyMissing, author_key
from earshot.digest.daily import build
from earshot.store.cursors import load_cursor
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import Handles, index_mentions
from listeners import load_profile
from tests.conftest import rss
from tests.digest_helpers import mention as digest_mention
from tests.digest_helpers import write_profile as write_digest_profile

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
FORCE = ("@LincsPolice",)
OTHER_KEY = "another-force-entirely-" + "k" * 32


def post(n: int, *, author: str | None, text: str, title: str = "", by_force: bool = False):
    return Mention(
        id=mention_id("social", str(n)),
        source="social",
        source_kind="mastodon",
        url=f"https://social.example/statuses/{n}",
        title=title,
        text=text,
        author=author,
        published=NOW,
        fetched=NOW,
        by_force=by_force,
        force_terms=("@LincsPolice",),
    )


def stored(es, m: Mention) -> dict:
    return es.get(index="earshot-mentions-2026.11", id=m.id)["_source"]


# -- the pseudonym -------------------------------------------------------------------------


def test_a_pseudonym_is_the_same_however_the_handle_is_written():
    assert author_key("@JSmith") == author_key("jsmith") == author_key(" @jsmith ")
    assert author_key("jsmith") != author_key("jsmith2")
    assert re.fullmatch(r"[0-9a-f]{32}", author_key("jsmith"))
    assert "jsmith" not in author_key("jsmith")


def test_another_key_gives_other_pseudonyms(monkeypatch):
    ours = author_key("jsmith")
    monkeypatch.setenv(KEY_VARIABLE, OTHER_KEY)
    assert author_key("jsmith") != ours


@pytest.mark.parametrize("key", [None, "", "too-short-to-be-a-secret"])
def test_no_pseudonym_without_a_proper_key(monkeypatch, key):
    if key is None:
        monkeypatch.delenv(KEY_VARIABLE)
    else:
        monkeypatch.setenv(KEY_VARIABLE, key)
    with pytest.raises(PseudonymKeyMissing, match=f"{KEY_VARIABLE} must hold a secret"):
        author_key("jsmith")


def test_the_publics_handles_go_and_the_forces_stay_even_at_a_sentence_end():
    text = "Thanks @LincsPolice. Ask @jane_d, @pal@mastodon.example or @bob.bsky.social."
    assert without_people(text, author=None, force_handles=FORCE) == (
        "Thanks @LincsPolice. Ask @[handle], @[handle] or @[handle]."
    )
    # Bluesky and YouTube handles carry hyphens; a dash or dot after one is not the handle's.
    text = "Ask @jane-doe.bsky.social. Or @jane-doe- or @pal@my-instance.example."
    assert without_people(text, author=None, force_handles=FORCE) == (
        "Ask @[handle]. Or @[handle]- or @[handle]."
    )
    # A name is taken out as a whole word only: "Al" is not cut out of "local".
    assert without_people("Al says local police", author="Al", force_handles=FORCE) == (
        "[author] says local police"
    )


# -- what the store keeps ------------------------------------------------------------------


@pytest.mark.elasticsearch
def test_a_stored_mention_carries_its_authors_pseudonym_and_handle(es):
    ensure_indices(es)
    m = post(1, author="@jsmith", text="@LincsPolice why no reply?")
    news = post(2, author=None, text="Lincolnshire Police appeal")
    index_mentions(es, [m, news])
    assert stored(es, m)["user"] == {"id": author_key("jsmith"), "name": "@jsmith"}
    assert "user" not in stored(es, news)
    mapping = es.indices.get_mapping(index=MENTIONS)["earshot-mentions-2026.11"]["mappings"]
    assert mapping["properties"]["user"]["properties"]["id"]["type"] == "keyword"
    # What erasure relies on: the pseudonym of the handle as a person types it finds the post.
    es.indices.refresh(index=MENTIONS)
    hits = es.search(index=MENTIONS, query={"term": {"user.id": author_key("@JSmith")}})
    assert [h["_id"] for h in hits["hits"]["hits"]] == [m.id]


@pytest.mark.elasticsearch
def test_with_handles_hidden_no_public_handle_is_stored_anywhere(es):
    ensure_indices(es)
    public = post(
        1,
        author="@jane_d",
        title="Reply to @pal and @jane-doe.bsky.social",
        text="@pal is right, @LincsPolice. Signed, @jane_d and YouTube's @jane-doe.",
    )
    own = post(2, author="@LincsPolice", text="@pal thanks, we have passed it on.", by_force=True)
    index_mentions(es, [public, own], handles=Handles(hidden=True, force_handles=FORCE))
    doc = stored(es, public)
    assert doc["user"] == {"id": author_key("@jane_d")}
    assert doc["message"] == (
        "@[handle] is right, @LincsPolice. Signed, @[handle] and YouTube's @[handle]."
    )
    assert doc["earshot"]["title"] == "Reply to @[handle] and @[handle]"
    raw = json.dumps(doc).lower()
    assert "jane_d" not in raw and "@pal" not in raw and "doe" not in raw
    # The force's own post keeps its own handle as author; the public's handle in it goes.
    assert stored(es, own)["user"] == {"id": author_key("@LincsPolice"), "name": "@LincsPolice"}
    assert stored(es, own)["message"] == "@[handle] thanks, we have passed it on."


# -- through a collect run -----------------------------------------------------------------

FEED = rss(
    [
        {
            "title": "Lincolnshire Police asked about @jane_d's complaint",
            "link": "https://news.example/complaint",
            "description": "Jane Doe told @LincsPolice and @pal that nobody came.",
            "pubDate": "Fri, 20 Nov 2026 09:00:00 +0000",
            "author": "Jane Doe",
        }
    ]
)


def profile_hiding_handles(write_profile, url: str) -> Path:
    path = write_profile([{"name": "local-news", "url": url}])
    profile = yaml.safe_load(path.read_text())
    profile["privacy"] = {"hide_handles": True}
    path.write_text(yaml.safe_dump(profile))
    return path


@pytest.mark.elasticsearch
def test_a_collect_run_for_a_force_hiding_handles_keeps_only_the_pseudonym(es, write_profile):
    with FeedServer({"/news.rss": Route(FEED)}) as server:
        path = profile_hiding_handles(write_profile, server.url("/news.rss"))
        report = collect_source(es, load_profile(path), "local-news")
    assert report.new == 1
    es.indices.refresh(index=MENTIONS)
    [hit] = es.search(index=MENTIONS)["hits"]["hits"]
    doc = hit["_source"]
    assert doc["user"] == {"id": author_key("Jane Doe")}
    assert doc["message"] == "[author] told @LincsPolice and @[handle] that nobody came."
    assert doc["earshot"]["title"] == "Lincolnshire Police asked about @[handle]'s complaint"


COMMENT_FEED = rss(
    [
        {
            "title": "Comment on Boston break-in appeal by Jane Doe",
            "link": "https://news.example/boston-break-in#comment-7",
            "description": "Someone should stab @pal the Lincolnshire Police copper.",
            "pubDate": "Fri, 20 Nov 2026 09:00:00 +0000",
            "author": "Jane Doe",
        }
    ]
)


@pytest.mark.elasticsearch
def test_a_force_hiding_handles_keeps_no_name_or_handle_in_any_field(es, write_profile):
    """A WordPress comment feed titles each comment with its author's name, and a flag's
    reason quotes the words that raised it: neither keeps a name the text has lost."""
    with FeedServer({"/comments.rss": Route(COMMENT_FEED)}) as server:
        path = profile_hiding_handles(write_profile, server.url("/comments.rss"))
        assert collect_source(es, load_profile(path), "local-news").new == 1
    es.indices.refresh(index=MENTIONS)
    [hit] = es.search(index=MENTIONS)["hits"]["hits"]
    earshot = hit["_source"]["earshot"]
    assert "threat-to-staff" in earshot["risk_flags"]
    assert any("@[handle]" in reason for reason in earshot["response"]["reasons"])
    raw = json.dumps(hit["_source"]).lower()
    assert "jane" not in raw and "doe" not in raw and "@pal" not in raw


@pytest.mark.elasticsearch
@pytest.mark.parametrize("key", [None, "short"])
def test_collect_fails_clearly_without_the_key_before_fetching(es, write_profile, monkeypatch, key):
    if key is None:
        monkeypatch.delenv(KEY_VARIABLE)
    else:
        monkeypatch.setenv(KEY_VARIABLE, key)
    with FeedServer({"/news.rss": Route(FEED)}) as server:
        path = write_profile([{"name": "local-news", "url": server.url("/news.rss")}])
        with pytest.raises(PseudonymKeyMissing, match=f"{KEY_VARIABLE} must hold a secret"):
            collect_source(es, load_profile(path), "local-news")
        assert server.requests == []
    assert load_cursor(es, "local-news") == {}


# -- the key: made once, kept, never shown --------------------------------------------------


def test_setup_makes_an_owner_only_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE)
    key_file = tmp_path / "secrets" / "pseudonym-key"
    first = use_pseudonym_key(key_file)
    key = key_file.read_text().strip()
    assert (first.where, first.is_new) == (str(key_file), True)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key) >= 32
    monkeypatch.delenv(KEY_VARIABLE)  # a later run, a new process
    again = use_pseudonym_key(key_file)
    assert (again.is_new, key_file.read_text().strip()) == (False, key)
    assert os.environ[KEY_VARIABLE] == key


def test_a_key_in_the_environment_is_used_and_nothing_is_written(tmp_path):
    key_file = tmp_path / "pseudonym-key"
    assert use_pseudonym_key(key_file).where == KEY_VARIABLE
    assert not key_file.exists()


@pytest.mark.parametrize("bad", ["change-me-pseudonym-key-but-long-enough-to-pass", "short"])
def test_setup_refuses_the_placeholder_or_a_short_key(tmp_path, monkeypatch, bad):
    monkeypatch.setenv(KEY_VARIABLE, bad)
    with pytest.raises(PseudonymKeyMissing, match=KEY_VARIABLE):
        use_pseudonym_key(tmp_path / "pseudonym-key")


def test_compose_gives_setup_and_every_airflow_service_the_key():
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    for service in ("setup", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert KEY_VARIABLE in compose["services"][service]["environment"], service


# -- nothing shown is about one person -----------------------------------------------------

DAY = LocalDay(date(2026, 11, 18))


@pytest.mark.elasticsearch
def test_the_digest_shows_neither_handle_nor_pseudonym_of_a_prolific_author(
    es, tmp_path, monkeypatch
):
    path = write_digest_profile(tmp_path / "profile.yaml", recipients=["command@example.org"])
    monkeypatch.setenv("EARSHOT_PROFILE", str(path))
    at = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    angry = [
        digest_mention(
            f"rant-{i}",
            at,
            toward=-0.8,
            action="monitor",
            priority=30,
            author="@angry_ann",
            text=f"@angry_ann again: Lincolnshire Police ignored me, rant {i}",
        )
        for i in range(6)
    ]
    ensure_indices(es)
    index_mentions(es, angry)
    es.indices.refresh(index=MENTIONS)
    figures, _, rendered = build(es, load_profile(), DAY)
    assert figures.headline.day.mentions == 6
    shown = f"{figures!r}\n{rendered.text}\n{rendered.html}"
    assert "angry_ann" not in shown
    assert author_key("@angry_ann") not in shown


# Aggregations that would group, list or pick mentions by a field (cardinality, a count of
# distinct pseudonyms, is the one way people may be aggregated).
_GROUPING = r'"(terms|multi_terms|rare_terms|significant_terms|composite|top_hits)"'


@pytest.mark.parametrize(
    "module",
    sorted(
        p.relative_to(PROJECT_DIR)
        for d in ("store", "digest", "alerts", "dashboards")
        for p in (PROJECT_DIR / d).glob("*.py")
    ),
    ids=str,
)
def test_no_query_groups_mentions_by_a_person(module: Path):
    code = (PROJECT_DIR / module).read_text()
    assert not re.search(_GROUPING + r'\s*:\s*\{\s*"field"\s*:\s*"user\.', code)
    assert not re.search(r'Terms\(\s*"user\.', code)


def test_the_scan_catches_a_terms_aggregation_by_author():
    assert re.search(
        _GROUPING + r'\s*:\s*\{\s*"field"\s*:\s*"user\.', '{"terms": {"field": "user.id"}}'
    )


def test_no_command_takes_an_author_except_erasure():
    """Listing one person's posts is what erasure needs, and nothing else may."""

    def commands(group: click.Group, prefix: str = ""):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from commands(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    found = dict(commands(typer.main.get_command(app)))
    assert {"stats", "status", "digest", "setup"} <= set(found)
    for name, command in found.items():
        params = {p.name for p in command.params} | {
            opt.lstrip("-") for p in command.params for opt in p.opts
        }
        personal = params & {"author", "handle", "user", "person", "user_id", "user-id"}
        assert not personal or name == "erase", f"`earshot {name}` takes {personal}"
