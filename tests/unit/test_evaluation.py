"""The labelled sets are well-formed, and the enrichers clear the bars the issue set."""

import hashlib
import json
import re

import pytest
from rich.console import Console

from bench.bootstrap import Bootstrap
from bench.evaluation import (
    ACTION_FLAG_POSTS,
    ACTION_POSTS,
    FLAG_POSTS,
    NEAR_MISS_POSTS,
    NEWS_POSTS,
    NEWS_TRAINING,
    PREVIOUS,
    PUBLIC_TOWARD_TARGET,
    REAL_POSTS,
    STREAM_POSTS,
    WRITER_PROBES,
    WRITER_TRAINING,
    action_files,
    flag_files,
    label_sets,
    labelled_flags,
    load_examples,
    macro_f1,
    micro,
    news_writer_pairs,
    predict,
    split_table,
    tone_correlation,
    toward_target_pairs,
    writer_action_pairs,
    writer_probe_pairs,
)
from earshot.core.model import ResponseAction
from enrichment.action_model import ACTIONS
from enrichment.risk import FLAGS
from enrichment.topics import LABELS

EXAMPLES = load_examples()
TONES = ["positive", "neutral", "negative"]


def test_every_labelled_mention_uses_only_the_enrichers_vocabulary():
    actions = set(ResponseAction.__args__)
    for e in EXAMPLES:
        assert e["split"] in {"dev", "heldout"}, e["id"]
        assert e["toward_force"] in TONES, e["id"]
        assert set(e["topics"]) <= set(LABELS) | {"campaign:operation-nova", "campaign:bobby-bear"}
        assert set(e["risk_flags"]) <= set(FLAGS), e["id"]
        assert e["action"] in actions, e["id"]


FIELDS = [
    "id", "split", "source", "text", "is_reply", "toward_force", "topics", "risk_flags",
    "places", "in_area", "action", "language",
]  # fmt: skip
NOT_JUDGED = {
    "relevance": None, "toward_force": "neutral", "topics": [], "risk_flags": [], "places": [],
    "in_area": False, "action": "no-action",
}  # fmt: skip


def test_every_row_has_the_guides_fields_and_a_row_not_kept_is_judged_neutral():
    """tests/data/LABELLING.md section 1; rows labelled before `keep` existed lack only it."""
    for e in EXAMPLES:
        assert list(e) in (FIELDS, [*FIELDS, "keep", "relevance"]), e["id"]
        # The first 263 rows were judged before `keep` existed; their labels stay, unscored.
        if e.get("keep") is False and int(e["id"].removeprefix("pm-")) > 263:
            assert {k: e[k] for k in NOT_JUDGED} == NOT_JUDGED, e["id"]
        elif e.get("keep") is False:
            assert e["relevance"] is None, e["id"]
        elif "keep" in e:
            assert e["relevance"] in {"named", "reply", "local-policing"}, e["id"]


def test_rows_added_after_the_first_263_were_split_once_by_the_seeded_rule():
    """tests/data/README.md: a seeded hash of the id, fixed before any row was scored, so a
    row's split cannot be chosen to flatter a figure."""
    for e in EXAMPLES:
        if int(e["id"].removeprefix("pm-")) > 263:
            digest = hashlib.sha256(f"earshot-split-2026:{e['id']}".encode()).hexdigest()
            assert e["split"] == ("heldout" if int(digest, 16) % 5 < 2 else "dev"), e["id"]


def test_ids_are_unique():
    assert len({e["id"] for e in EXAMPLES}) == len(EXAMPLES)


def test_a_kept_rows_reason_holds_in_the_row_itself():
    """LABELLING.md section 1: `reply` answers the force's post, `local-policing` places
    itself in the area. (`named` is not checked by a word list: the force is also named in
    other languages and by its campaigns.)"""
    for e in EXAMPLES:
        if e.get("relevance") == "reply":
            assert e["is_reply"], e["id"]
        elif e.get("relevance") == "local-policing":
            assert e["in_area"], e["id"]


@pytest.fixture(scope="module")
def heldout():
    chosen = [e for e in EXAMPLES if e["split"] == "heldout"]
    return label_sets(chosen, predict(chosen))


def test_toward_force_beats_plain_vader_on_the_heldout_split_by_the_issues_margin(heldout):
    """Issue 14's goal: 0.10 macro F1 above plain VADER, and a gain that is not chance (the
    lower end of its paired 95% interval above zero)."""
    earshot = macro_f1(heldout["toward_force"], TONES)
    vader = macro_f1(heldout["plain VADER"], TONES)
    assert earshot >= vader + 0.10, (earshot, vader)
    gain = Bootstrap(len(heldout["toward_force"])).difference(
        heldout["toward_force"], heldout["plain VADER"], TONES
    )
    assert gain.low > 0, gain


def test_news_is_read_toward_its_target_by_the_issues_margin_over_plain_vader():
    """NewsMTSC's `devtest_rw` (public; labelled by its authors), read as a news search
    result is read: the issue asks +0.10 over plain VADER on any public toward-target set."""
    as_news, _, plain = toward_target_pairs()
    assert macro_f1(as_news, TONES) >= macro_f1(plain, TONES) + 0.10


NEWS_FILES = sorted([*WRITER_TRAINING.glob(NEWS_POSTS), *WRITER_PROBES.glob(NEWS_POSTS)])


@pytest.mark.parametrize("path", NEWS_FILES, ids=lambda p: p.stem)
def test_the_news_writers_files_are_headlines_with_openings_labelled_for_tone(path):
    rows = load_examples(path)
    writer = path.stem.removeprefix("news_")
    assert len(rows) == 150 and len({r["id"] for r in rows}) == 150, path
    for row in rows:
        assert set(row) == {"id", "text", "toward_force"}, row
        assert row["id"].startswith(f"{writer}-") and row["toward_force"] in TONES, row
        headline, _, opening = row["text"].partition("\n")
        assert headline and opening, row["id"]


@pytest.mark.parametrize("path", sorted(WRITER_PROBES.glob(NEWS_POSTS)), ids=lambda p: p.stem)
def test_news_about_the_force_is_read_better_as_news_than_as_posts_are(path):
    """Another hand's news items, nothing trained on them: the news model must earn its place
    beside the posts' model on news about the force, not only on US political news."""
    as_news, as_post, plain = news_writer_pairs(path)
    news = macro_f1(as_news, TONES)
    assert news >= macro_f1(as_post, TONES) + 0.10 and news >= macro_f1(plain, TONES) + 0.10


def test_tone_stays_as_good_as_plain_vader_on_the_vader_tweets():
    r, n = tone_correlation()
    assert n == 4200
    assert r >= 0.87


def test_the_heldout_table_gives_each_figure_an_interval_and_the_previous_release(heldout):
    boot = Bootstrap(len(heldout["toward_force"]))
    previous = json.loads(PREVIOUS.read_text(encoding="utf-8"))["heldout"]
    console = Console(width=200, record=True)
    console.print(split_table("held-out", heldout, boot, previous))
    printed = console.export_text()
    lines = printed.splitlines()
    macro = next(line for line in lines if "toward_force" in line and "macro" in line)
    assert re.search(r"0\.\d\d \[0\.\d\d to 0\.\d\d\]", macro), macro
    assert macro.rstrip(" │").endswith("0.58"), macro


FEW_FLAGS = sorted([*WRITER_PROBES.glob(FLAG_POSTS), *WRITER_TRAINING.glob(FLAG_POSTS)])
STREAMS = sorted([*WRITER_PROBES.glob(STREAM_POSTS), *WRITER_TRAINING.glob(STREAM_POSTS)])


@pytest.mark.parametrize("path", FEW_FLAGS, ids=lambda p: p.stem)
def test_each_writers_file_labels_a_few_safety_flags_with_enough_of_each(path):
    """A flag no post carries was not asked for (`labelled_flags`), so each flag asked for
    must be carried by dozens: at least 25, what the sixth round's briefs asked of the flag
    they put second (tests/data/README.md)."""
    rows = load_examples(path)
    assert len({r["id"] for r in rows}) == len(rows), path
    flags = labelled_flags(path, rows)
    assert flags and flags <= set(FLAGS), (path, flags)
    for flag in flags:
        assert sum(flag in r["risk_flags"] for r in rows) >= 25, (path, flag)


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_a_stream_writers_posts_carry_every_flag_at_the_streams_rates(path):
    """The brief (tests/data/writer_briefs/stream.md): every post judged for all seven flags
    and an action; most posts carry no flag, and each flag is on a few."""
    rows = load_examples(path)
    assert len({r["id"] for r in rows}) == len(rows), path
    assert labelled_flags(path, rows) == set(FLAGS), path
    for row in rows:
        assert set(row["risk_flags"]) <= set(FLAGS), row["id"]
        assert row["action"] in ACTIONS and isinstance(row["is_reply"], bool), row["id"]
    assert sum(not r["risk_flags"] for r in rows) >= len(rows) / 2, path
    for flag in FLAGS:
        assert sum(flag in r["risk_flags"] for r in rows) >= 3, (path, flag)


REAL = sorted(WRITER_TRAINING.glob(REAL_POSTS))


def test_real_comments_are_trained_on_and_none_is_a_row_of_the_labelled_set():
    """Real public comments (tests/data/README.md) go to the flag models with every flag
    judged. Each names the set and row it came from; one the labelled set already holds, as it
    is or retargeted to the force, would put a held-out row's words in training."""
    assert REAL, f"no real comments in {WRITER_TRAINING}"
    labelled = {e["source"].removesuffix(":retargeted") for e in EXAMPLES}
    texts = {e["text"].casefold() for e in EXAMPLES}
    for path in REAL:
        rows = load_examples(path)
        assert labelled_flags(path, rows) == set(FLAGS), path
        assert len({r["source"] for r in rows}) == len({r["id"] for r in rows}) == len(rows)
        for row in rows:
            assert row["source"].startswith(("toxicspans:", "goemotions:")), row["id"]
            assert row["source"] not in labelled and row["text"].casefold() not in texts, row["id"]
            assert set(row["risk_flags"]) <= set(FLAGS), row["id"]
            assert row["action"] in ACTIONS and row["is_reply"] is False, row["id"]
    assert path in flag_files(WRITER_TRAINING) and path not in action_files(WRITER_TRAINING)


def test_every_action_writers_post_is_labelled_again_for_every_flag():
    """The flag labellers' files (tests/data/README.md) hold each action writer's post once,
    text for text, judged for all seven flags; the flags agree with the writers' actions
    where the guide's order of actions settles them: a live report is `contact-handling`
    and nothing else is, a threat is `moderate-preserve`, and a case at risk is
    `refer-to-investigator` (tests/data/README.md)."""
    written = [r for path in WRITER_TRAINING.glob(ACTION_POSTS) for r in load_examples(path)]
    paths = sorted(WRITER_TRAINING.glob(ACTION_FLAG_POSTS))
    again = {r["id"]: r for path in paths for r in load_examples(path)}
    assert sum(len(load_examples(path)) for path in paths) == len(again) == len(written)
    for post in written:
        flags = set(again[post["id"]]["risk_flags"])
        assert again[post["id"]]["text"] == post["text"], post["id"]
        assert flags <= set(FLAGS), post["id"]
        assert ("crime-reported" in flags) == (post["action"] == "contact-handling"), post["id"]
        assert "threat-to-staff" not in flags or post["action"] == "moderate-preserve", post["id"]
        case = "could-prejudice-case" in flags
        assert not case or post["action"] == "refer-to-investigator", post["id"]
    assert {f for r in again.values() for f in r["risk_flags"]} == set(FLAGS)
    assert all(again[p["id"]]["is_reply"] == p.get("is_reply", False) for p in written)
    for path in paths:
        assert path in flag_files(WRITER_TRAINING) and path not in action_files(WRITER_TRAINING)


NEAR_MISSES = sorted(WRITER_TRAINING.glob(NEAR_MISS_POSTS))


def test_near_miss_writers_posts_are_mostly_unflagged_and_judged_for_every_flag():
    """The brief (tests/data/writer_briefs/near_misses.md): 150 everyday posts each that sit
    near a flag, about one in six carrying one after all, every post judged for all seven
    flags; the flag models learn from them, the action model does not (no action asked)."""
    assert len(NEAR_MISSES) == 4, f"expected four near-miss writers in {WRITER_TRAINING}"
    for path in NEAR_MISSES:
        rows = load_examples(path)
        writer = path.stem.split("_", 1)[1]
        assert len(rows) == 150 and len({r["id"] for r in rows}) == 150, path
        assert all(r["id"].startswith(f"nearmiss-{writer}-") for r in rows), path
        assert labelled_flags(path, rows) == set(FLAGS), path
        for row in rows:
            assert set(row["risk_flags"]) <= set(FLAGS), row["id"]
            assert isinstance(row["is_reply"], bool), row["id"]
        assert 0 < sum(bool(r["risk_flags"]) for r in rows) <= len(rows) / 3, path
        assert path in flag_files(WRITER_TRAINING) and path not in action_files(WRITER_TRAINING)


def test_the_texts_judged_on_are_not_the_texts_trained_on():
    """`make train` learns from writer_training/ only: a probe post or held-out row seen in
    training would make its figure a training figure."""
    judged = sorted(WRITER_PROBES.glob("*.jsonl"))
    assert judged, f"no writer probes in {WRITER_PROBES}"
    probed = {r["text"].casefold() for path in judged for r in load_examples(path)}
    probed |= {e["text"].casefold() for e in EXAMPLES if e["split"] == "heldout"}
    for path in WRITER_TRAINING.glob("*.jsonl"):
        assert not probed & {r["text"].casefold() for r in load_examples(path)}, path
        assert not (WRITER_PROBES / path.name).exists(), path
    # NewsMTSC: its public test sentences are not among the training split's.
    tested = {r["text"].casefold() for r in load_examples(PUBLIC_TOWARD_TARGET)}
    assert not tested & {r["text"].casefold() for r in load_examples(NEWS_TRAINING)}


@pytest.mark.parametrize("path", sorted(WRITER_PROBES.glob(FLAG_POSTS)), ids=lambda p: p.stem)
def test_the_flags_stay_precise_on_another_writers_posts(path):
    """The near misses of a writer whose posts nothing was trained or tuned on (angry posts
    that threaten no one, crime talk that reports nothing, court results, officers named)
    must not raise the flags: a flag raised must still be right."""
    probed, pairs = writer_probe_pairs(path)
    for flag in probed:
        raised = [expected for expected, predicted in pairs if flag in predicted]
        assert raised, (path.name, flag, "never raised")
        right = sum(flag in expected for expected in raised)
        assert right / len(raised) >= 0.80, (path.name, flag, right, len(raised))


@pytest.mark.parametrize("path", sorted(WRITER_PROBES.glob(STREAM_POSTS)), ids=lambda p: p.stem)
def test_a_flag_raised_in_a_days_stream_is_right_four_times_in_five(path):
    """In a stream writer's day, flags are as rare as the desk meets them, so each false
    alarm costs more precision than among another writer's posts, a third of them flagged.
    With six to nine posts per flag, one post moves a flag's figure by 0.1 or more: the bar
    is held over all seven flags together, and every flag must still be raised."""
    probed, pairs = writer_probe_pairs(path)
    for flag in probed:
        assert any(flag in predicted for _, predicted in pairs), (path.name, flag)
    assert micro(pairs).precision >= 0.80, (path.name, micro(pairs))


@pytest.mark.parametrize("path", sorted(WRITER_PROBES.glob(NEAR_MISS_POSTS)), ids=lambda p: p.stem)
def test_everyday_posts_that_sound_like_a_flag_raise_few_false_alarms(path):
    """Two writers' everyday posts that sit near a flag (tests/data/writer_briefs/
    near_misses.md), one in six flagged after all, never trained on. Before the models
    learned from four other near-miss writers, the two files drew 43 false alarms against 52
    flags found (precision 0.55); after, 25 (0.68), and 17 once the rules' own false alarms
    on those four writers' posts were mended (0.75). Held over all seven flags together (three
    or four posts carry each), and every flag must still be raised."""
    probed, pairs = writer_probe_pairs(path)
    assert probed == set(FLAGS), path.name
    for flag in probed:
        assert any(flag in predicted for _, predicted in pairs), (path.name, flag)
    together = micro(pairs)
    assert together.precision >= 0.60 and together.recall >= 0.85, (path.name, together)


ACTION_PROBES = action_files(WRITER_PROBES)


@pytest.mark.parametrize("path", ACTION_PROBES, ids=lambda p: p.stem)
def test_the_second_opinion_does_no_worse_than_the_rules_on_another_writers_actions(path):
    """The action model learned from dev and the training writers; on posts by a writer it
    never saw, it must not recommend worse than the rules alone would."""
    rows = load_examples(path)
    assert {r["action"] for r in rows} <= set(ACTIONS), path
    chosen, ruled = writer_action_pairs(path)
    assert macro_f1(chosen, ACTIONS) >= macro_f1(ruled, ACTIONS), path.name
