"""`make eval`: every enricher scored on the labelled sets in tests/data/.

Prints precision, recall and F1 per label for the dev and held-out splits (rules are
tuned on dev only); for held-out, each with its 95% bootstrap interval and the previous
release's figure. Then toward_force against plain VADER on the same texts, on held-out and
on a public set labelled for sentiment toward a named target, and tone's Pearson
correlation with the human ratings of the VADER tweets.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.bootstrap import Bootstrap, Pairs
from earshot.core.model import Mention
from earshot.core.paths import DEFAULT_PROFILE, PROJECT_DIR
from enrichment import Enricher
from enrichment.action_model import ACTIONS
from enrichment.learned import Span
from enrichment.response import by_rules
from enrichment.risk import FLAGS
from enrichment.risk_model import judge_risk
from enrichment.sentiment import tone
from listeners import load_profile

DATA = PROJECT_DIR / "tests" / "data"
SPLITS = ("dev", "heldout")
TONES = ("positive", "neutral", "negative")
PUBLIC_TOWARD_TARGET = DATA / "newsmtsc_devtest_rw.jsonl"
# The same set's training split, for `make train` (never its test split above).
NEWS_TRAINING = PROJECT_DIR / "bench" / "data" / "newsmtsc_train.jsonl"
# Posts written from the labelling guide alone by writers who never saw the rules or the
# labelled set (tests/data/README.md): do the rules carry over to another hand's phrasings?
WRITER_PROBES = DATA / "writer_probes"
# More writers' posts, never judged on: the models learn from them (`make train`), and the
# topic labellers' files (TOPIC_POSTS) tune the topic phrases as dev does.
WRITER_TRAINING = DATA / "writer_training"
# In both folders: posts labelled for a few risk flags, posts labelled with an action, and a
# day's stream labelled for every flag and an action, flags as rare as the desk meets them.
FLAG_POSTS = "writer_*.jsonl"
ACTION_POSTS = "actions_*.jsonl"
STREAM_POSTS = "stream_*.jsonl"
# Real public comments about the police, labelled for every flag and an action by labellers
# given the guide's definitions alone (tests/data/writer_briefs/real_labelling.md): the
# register writers do not write (misspelt, crude, long-winded), for the flag models only: they
# are not about the force as the desk hears it, so the action's signals would be wrong.
REAL_POSTS = "real_*.jsonl"
# The action writers' posts labelled again for every flag by labellers given the flag
# definitions alone (tests/data/writer_briefs/action_flags.md): for the flag models, which
# the action writers' own files (ACTION_POSTS, an action only) could not teach.
ACTION_FLAG_POSTS = "flags_*.jsonl"
# Everyday posts that sit near a flag (praise in strong words, what the police or a newsroom
# said, court news, fighting talk, crimes already reported, public contacts), some carrying
# one after all, each labelled by its writer for every flag
# (tests/data/writer_briefs/near_misses.md): for the flag models, to learn what only sounds
# like a flag.
NEAR_MISS_POSTS = "nearmiss_*.jsonl"
# Posts from the writers' files above labelled again, for topics only, by labellers given the
# guide's topic definitions alone (tests/data/writer_briefs/topics.md).
TOPIC_POSTS = "topics_*.jsonl"
# News items about the force (a headline and the article's opening, as a news site's feed
# gives them), labelled for tone toward the force by their writer
# (tests/data/writer_briefs/news.md).
NEWS_POSTS = "news_*.jsonl"
# Everyday sentences a reviewer wrote near the threat rules (praise beside harm wished on
# offenders, injuries reported, threats quoted to condemn them): none is a threat to staff.
THREAT_NEAR_MISSES = DATA / "threat_review_near_misses.jsonl"
# The held-out figures of the release before this one, to print beside today's.
PREVIOUS = PROJECT_DIR / "bench" / "data" / "previous_eval.json"


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def scores(pairs: Iterable[tuple[set[str], set[str]]], label: str) -> Scores:
    """One label's scores over (expected, predicted) label sets."""
    tp = fp = fn = 0
    for expected, predicted in pairs:
        tp += label in expected and label in predicted
        fp += label not in expected and label in predicted
        fn += label in expected and label not in predicted
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


def macro_f1(pairs: list[tuple[set[str], set[str]]], labels: Iterable[str]) -> float:
    return statistics.fmean(scores(pairs, label).f1 for label in labels)


def load_examples(path: Path = DATA / "police_mentions.jsonl") -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def text_mention(text: str, *, id: str, source: str, now: datetime) -> Mention:
    """A bare text as the collector would hand it to enrichment (eval and bench)."""
    return Mention(
        id=id,
        source=source,
        source_kind="rss",
        url=None,
        title="",
        text=text,
        author=None,
        published=now,
        fetched=now,
    )


def predict(examples: list[dict]) -> list[Mention]:
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime.now(UTC)
    return [
        enricher.enrich(
            text_mention(e["text"], id=e["id"], source="evaluation", now=now),
            is_reply=e["is_reply"],
        )
        for e in examples
    ]


def label_sets(examples: list[dict], mentions: list[Mention]) -> dict[str, list]:
    """(expected, predicted) per task and row; single-label tasks as one-element sets.

    The keep decision is scored on every row, the judgements only on rows the desk should
    hear (Earshot judges only what it keeps; rows labelled before `keep` existed are kept).
    A row a task does not score is an empty pair, which counts nowhere, so every task keeps
    one pair per row and the bootstrap resamples the same rows for all of them."""
    both = list(zip(examples, mentions, strict=True))

    def pairs(expected_of, predicted_of, scored=lambda e: e.get("keep", True)) -> Pairs:
        return [(expected_of(e), predicted_of(m)) if scored(e) else (set(), set()) for e, m in both]

    return {
        "keep": pairs(
            lambda e: {"kept"} if e.get("keep", True) else set(),
            lambda m: {"kept"} if m.relevance else set(),
            scored=lambda e: True,
        ),
        "relevance": pairs(
            lambda e: {e["relevance"]} if e["relevance"] else set(),
            lambda m: {m.relevance} if m.relevance else set(),
            scored=lambda e: "relevance" in e,
        ),
        "toward_force": pairs(lambda e: {e["toward_force"]}, lambda m: {m.toward_force.label}),
        "plain VADER": pairs(lambda e: {e["toward_force"]}, lambda m: {m.tone.label}),
        "topics": pairs(lambda e: set(e["topics"]), lambda m: set(m.topics)),
        "risk_flags": pairs(lambda e: set(e["risk_flags"]), lambda m: set(m.risk_flags)),
        "places": pairs(lambda e: set(e["places"]), lambda m: {p.name for p in m.places}),
        "in_area": pairs(
            lambda e: {"in_area"} if e["in_area"] else set(),
            lambda m: {"in_area"} if m.in_area else set(),
        ),
        "action": pairs(lambda e: {e["action"]}, lambda m: {m.response.action}),
        "language": pairs(lambda e: {e["language"]}, lambda m: {m.language}),
    }


def micro(pairs: list[tuple[set[str], set[str]]]) -> Scores:
    tp = sum(len(e & p) for e, p in pairs)
    fp = sum(len(p - e) for e, p in pairs)
    fn = sum(len(e - p) for e, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


def tone_correlation(path: Path = DATA / "vader_tweets_ground_truth.tsv") -> tuple[float, int]:
    ratings, predicted = [], []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            ratings.append(float(row[1]))
            predicted.append(tone(row[2]).score)
    return statistics.correlation(ratings, predicted), len(ratings)


def split_table(
    title: str, tasks: dict[str, list], boot: Bootstrap | None, previous: dict[str, dict]
) -> Table:
    """Every figure of one split; with `boot`, each with its 95% interval and the previous
    release's figure beside it."""
    table = Table(title=title)
    columns = ["task", "label", "precision", "recall", "F1", "support"]
    for column in [*columns, *(["previous P / R / F1"] if boot else [])]:
        table.add_column(column, justify="left" if column in {"task", "label"} else "right")
    for task, pairs in tasks.items():
        labels = sorted(set().union(*(e for e, _ in pairs), *(p for _, p in pairs)))
        per_label = task not in {"places", "language"}
        rows = [(label, scores(pairs, label)) for label in labels] if per_label else []
        if task in {"places", "language", "topics", "risk_flags"}:
            rows.append(("(micro)", micro(pairs)))
        for label, s in rows:
            if boot:
                spread = boot.micro(pairs) if label == "(micro)" else boot.scores(pairs, label)
                figures = [str(spread.precision), str(spread.recall), str(spread.f1)]
            else:
                figures = [f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}"]
            before = _previous(previous, f"{task} {label}", ("precision", "recall", "f1"))
            table.add_row(task, label, *figures, str(s.support), *([before] if boot else []))
        if task in {"toward_force", "plain VADER", "action"}:
            f1 = boot.macro_f1(pairs, labels) if boot else f"{macro_f1(pairs, labels):.2f}"
            before = _previous(previous, f"{task} macro F1", ("f1",))
            table.add_row(
                task,
                "[bold]macro F1[/bold]",
                "",
                "",
                f"[bold]{f1}[/bold]",
                "",
                *([before] if boot else []),
            )
        table.add_section()
    return table


def _previous(previous: dict[str, dict], key: str, figures: tuple[str, ...]) -> str:
    found = previous.get(key, {})
    return " / ".join(f"{found[f]:.2f}" for f in figures if f in found)


def toward_target_pairs(path: Path = PUBLIC_TOWARD_TARGET) -> tuple[Pairs, Pairs, Pairs]:
    """(toward_force as news search results are read, as posts are read, and plain VADER) on a
    public set labelled for sentiment toward a target the text names: the target stands
    where the force would, so each text counts as about it."""
    judge = Enricher.for_profile(load_profile(DEFAULT_PROFILE)).toward_force
    rows = load_examples(path)
    expected = [{r["toward"]} for r in rows]
    as_news = [{judge.score_news(r["text"], target_span(r)).label} for r in rows]
    as_post = [{judge.score(r["text"], is_reply=True).label} for r in rows]
    plain = [{tone(r["text"]).label} for r in rows]
    return tuple(list(zip(expected, found, strict=True)) for found in (as_news, as_post, plain))


def target_span(row: dict) -> list[Span]:
    """Where a news set's sentence names its target. The id ends with the target's offsets
    in the sentence as first published (`…_Clinton_8_15`), which normalising moved by a few
    characters, and a pronoun ("he") may name others too: the labelled one is the occurrence
    nearest that offset."""
    start = int(row["id"].rsplit("_", 2)[1])
    named = re.finditer(rf"(?<!\w){re.escape(row['target'])}(?!\w)", row["text"], re.I)
    return sorted((m.span() for m in named), key=lambda span: abs(span[0] - start))[:1]


def flag_files(folder: Path) -> list[Path]:
    """The writers' files in a folder that label risk flags."""
    kinds = (FLAG_POSTS, STREAM_POSTS, REAL_POSTS, ACTION_FLAG_POSTS, NEAR_MISS_POSTS)
    return sorted(path for kind in kinds for path in folder.glob(kind))


def action_files(folder: Path) -> list[Path]:
    """The writers' files in a folder that label the recommended action."""
    return sorted([*folder.glob(ACTION_POSTS), *folder.glob(STREAM_POSTS)])


def at_stream_rates(path: Path) -> bool:
    """Flags in this file are as rare as in the stream the desk hears."""
    return path.match(STREAM_POSTS)


def labelled_flags(path: Path, rows: list[dict]) -> frozenset[str]:
    """The flags a writer's file labels. A stream or near-miss writer, or a labeller of real
    comments or of the action writers' posts, judged every flag on every post; the others were
    asked for a few flags only, with dozens of posts carrying each, so a flag no post of theirs
    carries was not asked for."""
    if at_stream_rates(path) or any(
        path.match(kind) for kind in (REAL_POSTS, ACTION_FLAG_POSTS, NEAR_MISS_POSTS)
    ):
        return frozenset(FLAGS)
    return frozenset(flag for row in rows for flag in row["risk_flags"])


def writer_probe_pairs(path: Path) -> tuple[frozenset[str], Pairs]:
    """The flags the file labels, and (labelled, raised) of those flags for each post,
    enriched whole as a post."""
    rows = [{"is_reply": False, **row} for row in load_examples(path)]
    probed = labelled_flags(path, rows)
    return probed, [
        (set(row["risk_flags"]), set(mention.risk_flags) & probed)
        for row, mention in zip(rows, predict(rows), strict=True)
    ]


def writer_action_pairs(path: Path) -> tuple[Pairs, Pairs]:
    """(labelled, recommended) action for each post, and (labelled, the rules' own action):
    does the learned second opinion help on another hand's posts?"""
    rows = load_examples(path)
    mentions = predict(rows)
    expected = [{row["action"]} for row in rows]
    chosen = [{m.response.action} for m in mentions]
    ruled = [{by_rules(m).action} for m in mentions]
    return list(zip(expected, chosen, strict=True)), list(zip(expected, ruled, strict=True))


def news_writer_pairs(path: Path) -> tuple[Pairs, Pairs, Pairs]:
    """(labelled, judged) tone toward the force of each news item enriched whole as a news
    report, as a post, and by plain VADER."""
    enricher = Enricher.for_profile(load_profile(DEFAULT_PROFILE))
    now = datetime.now(UTC)
    rows = load_examples(path)
    expected = [{row["toward_force"]} for row in rows]

    def judged(news: bool) -> list[set[str]]:
        mentions = (text_mention(r["text"], id=r["id"], source="news", now=now) for r in rows)
        return [{enricher.enrich(m, news=news).toward_force.label} for m in mentions]

    plain = [{tone(r["text"]).label} for r in rows]
    return tuple(
        list(zip(expected, found, strict=True))
        for found in (judged(news=True), judged(news=False), plain)
    )


def main() -> None:
    # Wide enough for a figure and its interval in every column of the held-out table.
    console = Console(width=150)
    examples = load_examples()
    mentions = predict(examples)
    previous = json.loads(PREVIOUS.read_text(encoding="utf-8"))
    for split in SPLITS:
        chosen = [i for i, e in enumerate(examples) if e["split"] == split]
        tasks = label_sets([examples[i] for i in chosen], [mentions[i] for i in chosen])
        title = f"{split} split: {len(chosen)} labelled mentions"
        if split == "heldout":
            boot = Bootstrap(len(chosen))
            title += f" (95% bootstrap intervals: {boot.resamples} resamples, seed {boot.seed})"
            console.print(split_table(title, tasks, boot, previous["heldout"]))
            gain = boot.difference(tasks["toward_force"], tasks["plain VADER"], TONES)
            console.print(f"held-out toward_force macro F1 minus plain VADER's: {gain}")
        else:
            console.print(split_table(title, tasks, None, {}))
            console.print(
                "toward_force's model is trained on dev: its dev figures are training figures "
                "(`make train` prints its cross-validation on dev)."
            )
    as_news, as_post, plain = toward_target_pairs()
    boot = Bootstrap(len(as_news))
    console.print(
        f"{PUBLIC_TOWARD_TARGET.name} ({len(as_news)} news sentences, sentiment toward a named "
        f"person): toward_force as news is read {boot.macro_f1(as_news, TONES)}, as posts are "
        f"read {boot.macro_f1(as_post, TONES)}, plain VADER {boot.macro_f1(plain, TONES)}; "
        f"differences from VADER {boot.difference(as_news, plain, TONES)} and "
        f"{boot.difference(as_post, plain, TONES)}"
    )
    near = load_examples(THREAT_NEAR_MISSES)
    raised = sum("threat-to-staff" in judge_risk(r["text"])[0] for r in near)
    console.print(
        f"{THREAT_NEAR_MISSES.name} ({len(near)} everyday sentences near threat phrasings, none "
        f"a threat): threat-to-staff raised on {raised}"
    )
    for path in sorted(WRITER_PROBES.glob(NEWS_POSTS)):
        as_news, as_post, plain = news_writer_pairs(path)
        boot = Bootstrap(len(as_news))
        console.print(
            f"{path.name} ({len(as_news)} news items about the force by another hand): "
            f"toward_force as news is read {boot.macro_f1(as_news, TONES)}, as posts are read "
            f"{boot.macro_f1(as_post, TONES)}, plain VADER {boot.macro_f1(plain, TONES)}"
        )
    for path in flag_files(WRITER_PROBES):
        probed, pairs = writer_probe_pairs(path)
        boot = Bootstrap(len(pairs))
        figures = "; ".join(
            f"{flag} precision {(found := boot.scores(pairs, flag)).precision}, recall "
            f"{found.recall} ({scores(pairs, flag).support} posts)"
            for flag in sorted(probed)
        )
        if probed == frozenset(FLAGS):  # a stream or near-miss writer: every flag judged
            together = boot.micro(pairs)
            figures += (
                f"; all seven together precision {together.precision}, recall "
                f"{together.recall} ({micro(pairs).support} flags)"
            )
        console.print(f"{path.name} ({len(pairs)} posts by another hand): {figures}")
    for path in action_files(WRITER_PROBES):
        chosen, ruled = writer_action_pairs(path)
        boot = Bootstrap(len(chosen))
        console.print(
            f"{path.name} ({len(chosen)} posts by another hand, {len(ACTIONS)} actions): action "
            f"macro F1 {boot.macro_f1(chosen, ACTIONS)}, the rules alone "
            f"{boot.macro_f1(ruled, ACTIONS)}"
        )
    r, n = tone_correlation()
    console.print(f"tone vs human ratings of {n} VADER tweets: Pearson r = {r:.3f}")


if __name__ == "__main__":
    main()
