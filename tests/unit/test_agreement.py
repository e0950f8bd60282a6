"""The second labelling pass: its sample holds every label the guide defines, and the
agreement figures move when, and only when, the labellers differ."""

import copy

import pytest

from bench.agreement import (
    FLAGS,
    SECOND_PASSES,
    STREAM_FIELDS,
    TOPIC_FIELDS,
    agreement,
    draw,
    draw_topic_posts,
    stream_rows,
)
from bench.evaluation import (
    ACTION_FLAG_POSTS,
    FLAG_POSTS,
    NEAR_MISS_POSTS,
    REAL_POSTS,
    STREAM_POSTS,
    TOPIC_POSTS,
    load_examples,
)

ROWS = load_examples()


def figures(second: list[dict]) -> dict[str, tuple[float, float]]:
    return {field: (agreed, kappa) for field, _, agreed, kappa in agreement(ROWS, second)}


def test_the_sample_is_fixed_by_its_seed_and_holds_every_action_and_flag():
    sample = draw(ROWS)
    assert [r["id"] for r in sample] == [r["id"] for r in draw(ROWS)]
    assert len(sample) >= 150
    assert {r["action"] for r in sample} == {r["action"] for r in ROWS}
    assert {f for r in sample for f in r["risk_flags"]} == set(FLAGS)


def test_identical_labels_agree_fully_and_a_changed_tone_lowers_only_tone():
    sample = draw(ROWS)
    assert all(kappa == 1.0 for _, kappa in figures(sample).values())
    second = copy.deepcopy(sample)
    kept = [row for row in second if row.get("keep", True)]
    for row in kept[:30]:
        row["toward_force"] = "positive" if row["toward_force"] != "positive" else "negative"
    changed = figures(second)
    assert changed["toward_force"][0] == (len(kept) - 30) / len(kept)
    assert changed["toward_force"][1] < 0.9
    assert {f for f, (_, kappa) in changed.items() if kappa < 1.0} == {"toward_force"}


def test_a_row_the_second_labeller_does_not_keep_counts_against_keep_only():
    sample = draw(ROWS)
    second = copy.deepcopy(sample)
    dropped = next(r for r in second if r.get("keep", True))
    dropped.update(keep=False, relevance=None, toward_force="neutral", action="no-action")
    changed = figures(second)
    assert changed["keep"][0] < 1.0
    assert changed["toward_force"] == (1.0, 1.0)


DRAWN = [name for name, second_pass in SECOND_PASSES.items() if second_pass.draw]


@pytest.mark.parametrize("name", DRAWN)
def test_each_second_pass_labels_the_sample_its_code_draws(name):
    """If a writer's file is added or changed, the sample moves and this says so: the agreement
    reported in tests/data/README.md would no longer be about the posts trained on."""
    second_pass = SECOND_PASSES[name]
    sample = second_pass.draw()
    second = load_examples(second_pass.file)
    assert [r["id"] for r in second] == [r["id"] for r in sample]
    # Each drawn from its own kind of training file: a writer's or a stream writer's (the topic
    # labellers labelled stream and action writers' posts again).
    prefix = {
        FLAG_POSTS: "writer-",
        STREAM_POSTS: "stream-",
        TOPIC_POSTS: ("stream-", "actions-"),
        ACTION_FLAG_POSTS: "actions-",
        NEAR_MISS_POSTS: "nearmiss-",
    }[second_pass.kind]
    assert all(r["id"].startswith(prefix) for r in sample)
    # The stream passes' files hold ids and labels only; the writers' hold the text labelled.
    if second_pass.kind in (FLAG_POSTS, NEAR_MISS_POSTS):
        assert all(a["text"] == b["text"] for a, b in zip(sample, second, strict=True))


def test_the_stream_writers_sample_is_half_flagged_and_holds_every_flag():
    sample = SECOND_PASSES["streams"].draw()
    assert sum(bool(r["risk_flags"]) for r in sample) == len(sample) // 2 == 60
    assert {f for r in sample for f in r["risk_flags"]} == set(FLAGS)
    figures = {f: kappa for f, _, _, kappa in agreement(sample, sample, STREAM_FIELDS)}
    assert set(figures) == {"action", "risk flags (exact set)", *(f"flag {f}" for f in FLAGS)}


def test_the_real_comments_second_pass_labels_rows_of_the_file_and_agrees_on_its_flags():
    """The figures tests/data/README.md reports for the real comments: a third labeller's 60,
    each a row of the file by id and text, agreeing on every flag and on most actions."""
    first = {r["id"]: r for r in stream_rows(REAL_POSTS)}
    second = load_examples(SECOND_PASSES["real"].file)
    assert len(second) == 60
    assert all(first[r["id"]]["text"] == r["text"] for r in second)
    figures = {
        f: (agreed, kappa)
        for f, _, agreed, kappa in agreement(list(first.values()), second, STREAM_FIELDS)
    }
    assert figures["risk flags (exact set)"][0] >= 0.95, figures
    assert figures["action"][0] >= 0.85, figures


def test_the_polish_and_romanian_sample_holds_half_flagged_posts_of_each():
    sample = SECOND_PASSES["polish-romanian"].draw()
    for writer in ("bz", "ca"):
        drawn = [r for r in sample if r["id"].startswith(f"stream-{writer}-")]
        assert len(drawn) == 30, writer
        assert sum(bool(r["risk_flags"]) for r in drawn) == 15, writer


def test_the_threat_sample_holds_thirty_english_threats_in_sixty():
    sample = SECOND_PASSES["threats"].draw()
    assert sum("threat-to-staff" in r["risk_flags"] for r in sample) == 30
    assert len(sample) == 60
    assert not any(r["id"].startswith(("writer-bv-", "writer-bw-")) for r in sample)


def test_a_briefs_sample_holds_its_flags_and_no_others():
    for name in ("cases", "abuse"):
        second_pass = SECOND_PASSES[name]
        flags = {f.removeprefix("flag ") for f in second_pass.fields}
        assert {f for r in second_pass.draw() for f in r["risk_flags"]} == flags, name


# What each pass asked the second labeller, as tests/data/README.md reports it.
ASKED = {
    "streams": set(STREAM_FIELDS),
    "polish-romanian": set(STREAM_FIELDS),
    "threats": {"flag threat-to-staff", "flag crime-reported"},
    "cases": {"flag could-prejudice-case", "flag identifies-person", "flag personal-data"},
    "abuse": {"flag abuse-discrimination", "flag possible-misinformation"},
    "topics": set(TOPIC_FIELDS),
    "action-flags": {"risk flags (exact set)", *(f"flag {f}" for f in FLAGS)},
    "near-misses": {"risk flags (exact set)", *(f"flag {f}" for f in FLAGS)},
    "threats-real": {"flag threat-to-staff"},
}


@pytest.mark.parametrize("name", DRAWN)
def test_each_drawn_second_pass_agrees_on_nearly_every_label(name):
    """The figures tests/data/README.md reports: the second labeller agrees on nearly every
    flag (or topic) the pass asked for, and on the streams' exact set of flags."""
    second_pass = SECOND_PASSES[name]
    assert set(second_pass.fields) == ASKED[name]
    figures = {
        f: agreed
        for f, _, agreed, _ in agreement(
            second_pass.draw(), load_examples(second_pass.file), second_pass.fields
        )
        if f != "action"
    }
    # The exact set of 27 topics is the one figure allowed to sit lower (README: 87%).
    exact_sets = {f: figures.pop(f) for f in list(figures) if f == "topics (exact set)"}
    assert all(agreed >= 0.85 for agreed in exact_sets.values()), exact_sets
    assert min(figures.values()) >= 0.95, figures


def test_each_topic_labeller_labelled_the_posts_drawn_for_them():
    """Every topic labeller's file is their draw, text for text: a changed writer's file moves
    the draw, and this says the labels are no longer about the posts drawn."""
    each, _ = draw_topic_posts()
    for name, drawn in each.items():
        labelled = stream_rows(TOPIC_POSTS, written_by={name})
        assert [(r["id"], r["text"]) for r in labelled] == [(r["id"], r["text"]) for r in drawn]


def test_the_news_second_pass_labels_every_item_judged_on_and_agrees_on_tone():
    """tests/data/README.md reports it: the second labeller saw the texts only, and labelled
    every item of the news writer's probe file, so the tone figure `make eval` prints on it
    does not rest on one person's reading."""
    second_pass = SECOND_PASSES["news"]
    first = stream_rows(second_pass.kind, folder=second_pass.folder)
    second = load_examples(second_pass.file)
    assert [r["id"] for r in second] == [r["id"] for r in first] and len(first) == 150
    assert set(second[0]) == {"id", "toward_force"}
    ((field, rows, agreed, kappa),) = agreement(first, second, second_pass.fields)
    assert (field, rows) == ("toward_force", 150) and agreed >= 0.95 and kappa >= 0.9
