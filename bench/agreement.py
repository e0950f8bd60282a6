"""How far two labellers agree on police_mentions.jsonl: the check that the labels measure
the texts and not one person's reading of them (tests/data/LABELLING.md, "A second pass").

    python -m bench.agreement sample   # writes the second labeller's texts (no labels)
    python -m bench.agreement          # Cohen's kappa and percent agreement per field
    python -m bench.agreement streams  # the same for the stream writers' flags and actions
    python -m bench.agreement real     # and for the real comments' flags and actions
    python -m bench.agreement polish-romanian  # and the Polish and Romanian streams
    python -m bench.agreement threats  # and the threat writers' threats and live reports
    python -m bench.agreement cases    # and the case, identity and personal-data writers'
    python -m bench.agreement abuse    # and the abuse and rumour writers'
    python -m bench.agreement topics   # and the topic labellers'
    python -m bench.agreement action-flags  # and the action writers' posts' flags
    python -m bench.agreement near-misses   # and the near-miss writers' flags
    python -m bench.agreement threats-real  # and the real-register threat writers'
    python -m bench.agreement news     # and the news writer's items judged on (tone)
    python -m bench.agreement sample threats  # a writers' sample's texts (cases, abuse, …)

The sample is drawn once with a fixed seed, stratified so every action, tone, risk flag and
the not-kept rows are in it (rare labels would otherwise be missing from 150 rows), and
written with only what the second labeller may see: id, text and is_reply.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from bench.evaluation import (
    ACTION_FLAG_POSTS,
    ACTION_POSTS,
    DATA,
    FLAG_POSTS,
    NEAR_MISS_POSTS,
    NEWS_POSTS,
    REAL_POSTS,
    STREAM_POSTS,
    TOPIC_POSTS,
    WRITER_PROBES,
    WRITER_TRAINING,
    load_examples,
)
from enrichment.risk import FLAGS
from enrichment.topics import LABELS as TOPICS

SAMPLE = DATA / "second_pass_sample.jsonl"
SECOND = DATA / "second_pass.jsonl"
SEED = 20261204
SIZE = 150
PER_LABEL = 6  # rows drawn first for each label value, so rare labels are in the sample
# A sample of one brief's writers: this many posts, half of them flagged, so each flag has
# dozens of rows (the English streams' sample is 120).
WRITERS_SIZE = 60
# The seed of the threat and the Polish and Romanian samples, drawn on 2026-12-06 by a
# script outside the repository: their draws give exactly the posts labelled then.
DRAWN_OUTSIDE_SEED = SEED + 2


def strata(row: dict) -> list[str]:
    return [
        f"action:{row['action']}",
        f"toward_force:{row['toward_force']}",
        f"keep:{row.get('keep', True)}",
        *(f"flag:{f}" for f in row["risk_flags"]),
    ]


def draw(rows: list[dict], *, seed: int = SEED, size: int = SIZE) -> list[dict]:
    rng = random.Random(seed)
    shuffled = rng.sample(rows, len(rows))
    chosen: dict[str, dict] = {}
    for stratum in sorted({s for row in rows for s in strata(row)}):
        for row in [r for r in shuffled if stratum in strata(r)][:PER_LABEL]:
            chosen.setdefault(row["id"], row)
    for row in shuffled:
        if len(chosen) >= size:
            break
        chosen.setdefault(row["id"], row)
    return sorted(chosen.values(), key=lambda r: r["id"])


def half_flagged(
    rows: list[dict], *, size: int, rng: random.Random, flag: str | None = None
) -> list[dict]:
    """`size` posts, half flagged (with `flag`, or with any flag): a second labeller's sample
    of writers' posts, where a plain draw would hold too few of each flag (they are on about
    a quarter of a stream writer's posts)."""

    def carries(row: dict) -> bool:
        return flag in row["risk_flags"] if flag else bool(row["risk_flags"])

    flagged = [r for r in rows if carries(r)]
    others = [r for r in rows if not carries(r)]
    half = size // 2
    return sorted(rng.sample(flagged, half) + rng.sample(others, half), key=lambda r: r["id"])


def draw_writers(
    writers: Collection[str],
    *,
    kind: str = FLAG_POSTS,
    size: int = WRITERS_SIZE,
    seed: int = SEED + 3,
    flag: str | None = None,
) -> list[dict]:
    """A second labeller's sample of those writers' training files, half flagged."""
    rows = stream_rows(kind, written_by=writers)
    return half_flagged(rows, size=size, rng=random.Random(seed), flag=flag)


POLISH_ROMANIAN: frozenset[str] = frozenset({"bz", "ca"})  # the two streams not in English


def draw_polish_romanian() -> list[dict]:
    """WRITERS_SIZE // 2 posts of each of BZ and CA, half flagged, one draw after the other."""
    rng = random.Random(DRAWN_OUTSIDE_SEED)
    drawn = [
        half_flagged(stream_rows(written_by={w}), size=WRITERS_SIZE // 2, rng=rng)
        for w in sorted(POLISH_ROMANIAN)
    ]
    return sorted(drawn[0] + drawn[1], key=lambda r: r["id"])


# The topic labellers' posts (2026-12-06): drawn from the English stream and action writers'
# posts, TOPIC_POSTS_EACH posts for each labeller and then TOPIC_SECOND_SIZE of each one's for
# the second pass, all from one generator in this order: only the same draw, in the same order,
# gives back exactly the posts that were labelled.
TOPIC_SEED = 20261206
TOPIC_LABELLERS = ("ce", "cf", "cg")
TOPIC_POSTS_EACH = 300
TOPIC_SECOND_SIZE = 30


def draw_topic_posts() -> tuple[dict[str, list[dict]], list[dict]]:
    """Each topic labeller's posts, and the second labeller's (shuffled, as labelled)."""
    posts = [
        {"id": row["id"], "text": row["text"], "is_reply": row.get("is_reply", False)}
        for row in stream_rows(ACTION_POSTS) + stream_rows(STREAM_POSTS)
        if row["id"].split("-")[1] not in POLISH_ROMANIAN
    ]
    rng = random.Random(TOPIC_SEED)
    drawn = rng.sample(posts, TOPIC_POSTS_EACH * len(TOPIC_LABELLERS))
    each = {
        name: drawn[i * TOPIC_POSTS_EACH : (i + 1) * TOPIC_POSTS_EACH]
        for i, name in enumerate(TOPIC_LABELLERS)
    }
    second = [row for rows in each.values() for row in rng.sample(rows, TOPIC_SECOND_SIZE)]
    rng.shuffle(second)
    return each, second


def topic_second_sample() -> list[dict]:
    return first_labels(TOPIC_POSTS, draw_topic_posts()[1])


# The action writers' posts labelled for every flag (2026-12-06, a seed of its own): the
# second labeller's 90, drawn from all 1,604 at once.
ACTION_FLAGS_SEED = 20261208
ACTION_FLAGS_SECOND_SIZE = 90


def action_flags_second_sample() -> list[dict]:
    drawn = random.Random(ACTION_FLAGS_SEED).sample(
        stream_rows(ACTION_POSTS), ACTION_FLAGS_SECOND_SIZE
    )
    return first_labels(ACTION_FLAG_POSTS, drawn)


# The real-register threat writers (2026-12-06), a seed of their own.
THREATS_REAL_SEED = 20261213
# The near-miss writers (2026-12-06, writer_briefs/near_misses.md), a seed of their own.
NEAR_MISS_WRITERS = ("db", "dc", "dd", "de")
NEAR_MISS_SEED = 20261212


def first_labels(kind: str, drawn: list[dict]) -> list[dict]:
    """The drawn posts as the first labellers labelled them, in the draw's order: a second
    pass over posts labelled again (topics, flags) is compared with those labels, not with
    the writers' own."""
    labelled = {row["id"]: row for row in stream_rows(kind)}
    return [labelled[row["id"]] for row in drawn]


def stream_rows(
    kind: str = STREAM_POSTS, *, written_by: Collection[str] = (), folder: Path = WRITER_TRAINING
) -> list[dict]:
    """Every row of the training (or other) files of a kind, or of those writers' files only."""
    paths = sorted(folder.glob(kind))
    if written_by:
        paths = [p for p in paths if p.stem.split("_", 1)[1] in written_by]
    return [row for path in paths for row in load_examples(path)]


def write_sample(path: Path = SAMPLE) -> None:
    rows = draw(load_examples())
    lines = (json.dumps({k: r[k] for k in ("id", "text", "is_reply")}) for r in rows)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    print(f"{len(rows)} rows (seed {SEED}) written to {path}")


# Each field as one value per row; a multi-label field as one yes/no per label.
FIELDS: dict[str, Callable[[dict], object]] = {
    "keep": lambda r: r.get("keep", True),
    "relevance": lambda r: r.get("relevance"),
    "toward_force": lambda r: r["toward_force"],
    "action": lambda r: r["action"],
    "in_area": lambda r: r["in_area"],
    "language": lambda r: r["language"],
    "topics (exact set)": lambda r: tuple(sorted(r["topics"])),
    "places (exact set)": lambda r: tuple(sorted(r["places"])),
    "risk flags (exact set)": lambda r: tuple(sorted(r["risk_flags"])),
    **{f"flag {f}": (lambda r, f=f: f in r["risk_flags"]) for f in FLAGS},
}


# A stream writer, or a labeller of real comments, labelled only the flags and the action.
STREAM_FIELDS = {
    f: FIELDS[f] for f in ("action", "risk flags (exact set)", *(f"flag {f}" for f in FLAGS))
}


# A labeller of every flag and no action (the action writers' posts, the near-miss writers).
FLAG_SET_FIELDS = {f: STREAM_FIELDS[f] for f in STREAM_FIELDS if f != "action"}


# A topic labeller labelled only the topics.
TOPIC_FIELDS: dict[str, Callable[[dict], object]] = {
    "topics (exact set)": FIELDS["topics (exact set)"],
    **{f"topic {t}": (lambda r, t=t: t in r["topics"]) for t in TOPICS},
}


def flag_fields(*flags: str) -> dict[str, Callable[[dict], object]]:
    """A few-flag writer labelled only the flags their brief asked for."""
    return {f"flag {f}": FIELDS[f"flag {f}"] for f in flags}


@dataclass(frozen=True)
class SecondPass:
    """Another labeller's pass over some of the writers' or labellers' training files."""

    kind: str  # which training files: FLAG_POSTS, STREAM_POSTS, NEAR_MISS_POSTS, …
    file: Path  # the second labeller's rows
    what: str
    fields: dict[str, Callable[[dict], object]]  # what was labelled twice
    # The sample, as code draws it; None where it was drawn before either labeller began.
    draw: Callable[[], list[dict]] | None = None
    folder: Path = WRITER_TRAINING  # where the first labels are


# `python -m bench.agreement NAME` prints a pass's agreement; `sample NAME` its texts, where
# it has a draw.
SECOND_PASSES = {
    # The English stream writers (2026-12-05), every flag and the action.
    "streams": SecondPass(
        STREAM_POSTS,
        DATA / "stream_second_pass.jsonl",
        "stream writers' posts",
        STREAM_FIELDS,
        partial(
            draw_writers,
            "ar as at au av aw ax az ba bb bc bd be bf bm bn".split(),  # noqa: SIM905
            kind=STREAM_POSTS,
            size=120,
            seed=SEED + 1,
        ),
    ),
    "polish-romanian": SecondPass(
        STREAM_POSTS,
        DATA / "stream_second_pass_polish_romanian.jsonl",
        "Polish and Romanian stream posts",
        STREAM_FIELDS,
        draw_polish_romanian,
    ),
    # 60 of the 216 real comments, labelled by a third labeller from the same brief.
    "real": SecondPass(REAL_POSTS, DATA / "real_second_pass.jsonl", "real comments", STREAM_FIELDS),
    # The English writers of writer_briefs/threat_and_crime.md.
    "threats": SecondPass(
        FLAG_POSTS,
        DATA / "threat_second_pass.jsonl",
        "threat writers' posts",
        flag_fields("threat-to-staff", "crime-reported"),
        partial(
            draw_writers,
            "a c d i j s t u aa ab ac ai aj ak bg bh bi bo bp cb cc cd".split(),  # noqa: SIM905
            seed=DRAWN_OUTSIDE_SEED,
            flag="threat-to-staff",
        ),
    ),
    # writer_briefs/case_identity_personal_data.md
    "cases": SecondPass(
        FLAG_POSTS,
        DATA / "case_second_pass.jsonl",
        "case and identity writers' posts",
        flag_fields("could-prejudice-case", "identifies-person", "personal-data"),
        partial(draw_writers, "e k l v w x ad ae af al am an bj bk bl bq br".split()),  # noqa: SIM905
    ),
    # writer_briefs/abuse_and_misinformation.md
    "abuse": SecondPass(
        FLAG_POSTS,
        DATA / "abuse_second_pass.jsonl",
        "abuse and rumour writers' posts",
        flag_fields("abuse-discrimination", "possible-misinformation"),
        partial(draw_writers, ("o", "q", "r")),
    ),
    # writer_briefs/topics.md: 30 posts of each of the three topic labellers'.
    "topics": SecondPass(
        TOPIC_POSTS,
        DATA / "topic_second_pass.jsonl",
        "topic labellers' posts",
        TOPIC_FIELDS,
        topic_second_sample,
    ),
    # writer_briefs/action_flags.md: 90 of the action writers' posts, every flag.
    "action-flags": SecondPass(
        ACTION_FLAG_POSTS,
        DATA / "action_flags_second_pass.jsonl",
        "action writers' posts labelled for flags",
        FLAG_SET_FIELDS,
        action_flags_second_sample,
    ),
    # writer_briefs/threats_real_register.md: 60 of the three writers' posts, 30 threats.
    "threats-real": SecondPass(
        FLAG_POSTS,
        DATA / "threat_real_second_pass.jsonl",
        "real-register threat writers' posts",
        flag_fields("threat-to-staff"),
        partial(draw_writers, ("dj", "dk", "dl"), seed=THREATS_REAL_SEED, flag="threat-to-staff"),
    ),
    # writer_briefs/near_misses.md: 60 of the four writers' posts, half flagged, every flag.
    "near-misses": SecondPass(
        NEAR_MISS_POSTS,
        DATA / "near_miss_second_pass.jsonl",
        "near-miss writers' posts",
        FLAG_SET_FIELDS,
        partial(draw_writers, NEAR_MISS_WRITERS, kind=NEAR_MISS_POSTS, seed=NEAR_MISS_SEED),
    ),
    # writer_briefs/news.md: every item of the news writer judged on, tone toward the force.
    "news": SecondPass(
        NEWS_POSTS,
        DATA / "news_second_pass.jsonl",
        "news items about the force",
        {"toward_force": FIELDS["toward_force"]},
        folder=WRITER_PROBES,
    ),
}


def agreement(
    first: list[dict], second: list[dict], fields: dict[str, Callable[[dict], object]] = FIELDS
) -> list[tuple[str, int, float, float]]:
    """(field, rows, percent agreement, Cohen's kappa). Judgements are compared only where
    both labellers kept the row: a row not kept carries no judgement (LABELLING.md §1)."""
    by_id = {r["id"]: r for r in first}
    pairs = [(by_id[r["id"]], r) for r in second]
    figures = []
    for field, value in fields.items():
        rows = pairs if field == "keep" else [(a, b) for a, b in pairs if _kept(a) and _kept(b)]
        a = [json.dumps(value(x)) for x, _ in rows]
        b = [json.dumps(value(y)) for _, y in rows]
        agreed = sum(x == y for x, y in zip(a, b, strict=True)) / len(rows)
        kappa = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else 1.0
        figures.append((field, len(rows), agreed, float(kappa)))
    return figures


def _kept(row: dict) -> bool:
    return row.get("keep", True)


def main() -> None:
    args = sys.argv[1:]
    if args == ["sample"]:
        write_sample()
    elif args[:1] == ["sample"]:  # a writers' sample: the second labeller's texts, to stdout
        drawn = {name: p.draw for name, p in SECOND_PASSES.items() if p.draw}
        if len(args) != 2 or args[1] not in drawn:
            raise SystemExit(f"sample: name one of {', '.join(drawn)}, or none")
        for row in drawn[args[1]]():
            print(json.dumps({"id": row["id"], "text": row["text"]}, ensure_ascii=False))
    elif len(args) == 1 and args[0] in SECOND_PASSES:
        second_pass = SECOND_PASSES[args[0]]
        second = load_examples(second_pass.file)
        print(f"{len(second)} {second_pass.what} labelled twice ({second_pass.file.name})")
        first = stream_rows(second_pass.kind, folder=second_pass.folder)
        show(agreement(first, second, second_pass.fields))
    elif not args:
        second = load_examples(SECOND)
        print(f"{len(second)} rows labelled twice ({SECOND.name} against {SAMPLE.name}'s ids)")
        show(agreement(load_examples(), second))
    else:
        raise SystemExit(f"name one of {', '.join(SECOND_PASSES)}, sample [NAME], or none")


def show(figures: list[tuple[str, int, float, float]]) -> None:
    print(f"{'field':<34}{'rows':>6}{'agree':>8}{'kappa':>8}")
    for field, rows, agreed, kappa in figures:
        print(f"{field:<34}{rows:>6}{agreed:>8.0%}{kappa:>8.2f}")


if __name__ == "__main__":
    main()
