"""`make bench-alerts`: Earshot's spike alerts next to ElastAlert2's `spike` rule, same data.

Each seeded synthetic stream (bench/streams.py) is replayed into one throwaway local
Elasticsearch node, emptied between seeds; then, every 15 minutes through the scored weeks,
Earshot evaluates exactly as the alerts DAG does (detector, evidence, lifecycle: one alert
per situation) and the ratio rule judges its two windows counted by the same Elasticsearch.
Scored per injected spike: detected (an alert opened between its start and its end + GRACE)
and how fast; every other alert opening is a false alarm. Over many seeds it prints the
mean and range of each figure, the seeds the detector was tuned on apart from the held-out
ones: one seed chosen by the same hands as the detector is no evidence. `--real-shapes`
gives the spikes the timelines of real incidents. A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from elasticsearch import Elasticsearch
from rich.console import Console
from rich.table import Table

from bench.ratio_rule import RatioRule, SpikeRuleConfig, window_counts, window_counts_search
from bench.streams import InjectedSpike, Stream, StreamSettings, generate, replay
from earshot.alerts.model import ALERTS, from_hit
from earshot.alerts.quiet import SourceQuiet
from earshot.alerts.run import evaluate
from earshot.alerts.spike import NegativeSpike
from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import Profile
from earshot.store.indices import MENTIONS
from earshot.store.local_node import LocalNode
from listeners import load_profile

STEP = timedelta(minutes=15)
GRACE = timedelta(minutes=30)  # an alert this soon after a spike ends still detected it
RATIO_DEFAULTS = SpikeRuleConfig()
# The same rule with its documented minimum set to Earshot's min_count: the fairest tuning.
RATIO_TUNED = replace(RATIO_DEFAULTS, threshold_cur=5)
# The streams of `make bench-alerts`. The detector is tuned on the first five only (the
# first three are the seeds looked at before the multi-stream benchmark); the rest are
# held out, and the README reports them.
SEEDS = (20260105, 4242, 777, 31, 1009, 5151, 8088, 271828, 314159, 60606)
TUNING = SEEDS[:5]


@dataclass(frozen=True)
class Opening:
    """An alert someone would be told about."""

    at: datetime
    window: timedelta
    key: str
    count: int
    event: str | None = None


@dataclass
class Score:
    spikes: list[InjectedSpike]
    openings: list[Opening]
    weeks: float
    detected: dict[InjectedSpike, Opening] = field(default_factory=dict)
    false_alarms: list[Opening] = field(default_factory=list)

    def rate(self, keep: Callable[[InjectedSpike], bool] = lambda s: True) -> str:
        chosen = [s for s in self.spikes if keep(s)]
        found = sum(1 for s in chosen if s in self.detected)
        return f"{found}/{len(chosen)} ({found / len(chosen):.0%})" if chosen else "-"

    def fraction(self, keep: Callable[[InjectedSpike], bool] = lambda s: True) -> float | None:
        chosen = [s for s in self.spikes if keep(s)]
        return sum(1 for s in chosen if s in self.detected) / len(chosen) if chosen else None

    def delay_minutes(self) -> float | None:
        delays = [(o.at - s.start) / timedelta(minutes=1) for s, o in self.detected.items()]
        return statistics.median(delays) if delays else None

    def median_delay(self) -> str:
        delay = self.delay_minutes()
        return f"{delay:.0f} min" if delay is not None else "-"

    def per_week(self, openings: list[Opening]) -> str:
        return f"{len(openings) / self.weeks:.1f}"


def score(stream: Stream, openings: list[Opening]) -> Score:
    """Match alert openings to the injected spikes of the scored weeks."""
    spikes = stream.scored_spikes
    result = Score(spikes, openings, stream.settings.weeks - stream.settings.baseline_weeks)
    for spike in spikes:
        hits = [o for o in openings if spike.start < o.at <= spike.end + GRACE]
        if hits:
            result.detected[spike] = min(hits, key=lambda o: o.at)
    result.false_alarms = [
        o
        for o in openings
        if not any(_overlaps(o.at - o.window, o.at, s.start, s.end + GRACE) for s in stream.spikes)
    ]
    return result


def cause(opening: Opening, stream: Stream, min_count: int) -> str:
    """What a false alarm was most likely about, for the breakdown."""
    start = opening.at - opening.window
    if any(_overlaps(start, opening.at, e.start, e.end) for e in stream.events):
        return "during a known event"
    if any(_overlaps(start, opening.at, b.start, b.end) for b in stream.bursts):
        return "one story re-posted"
    if opening.count < min_count:
        return f"fewer than {min_count} mentions (0 vs 0, 0 → 1 …)"
    return "daily rhythm and noise"


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def run_earshot(es: Elasticsearch, profile: Profile, steps: list[datetime]) -> list[Opening]:
    opened_at: dict[str, datetime] = {}
    for now in steps:
        for alert_id in evaluate(es, profile, now)["opened"]:
            opened_at[alert_id] = now
    es.indices.refresh(index=ALERTS)
    hits = es.search(index=ALERTS, query={"term": {"rule": NegativeSpike.name}}, size=10_000)
    openings = []
    for hit in hits["hits"]["hits"]:
        alert = from_hit(hit)
        if alert.id in opened_at:
            openings.append(
                Opening(
                    at=opened_at[alert.id],
                    window=timedelta(minutes=alert.window_minutes),
                    key=alert.key,
                    count=alert.evidence.count,
                    event=alert.evidence.event.name if alert.evidence.event else None,
                )
            )
    return sorted(openings, key=lambda o: o.at)


def run_ratio_rules(
    es: Elasticsearch, configs: list[SpikeRuleConfig], steps: list[datetime]
) -> list[list[Opening]]:
    """Every config sees the same two counts per step (one search), so they share it."""
    timeframes = {c.timeframe for c in configs}
    if len(timeframes) != 1:
        raise ValueError("the ratio rules compared in one pass must share a timeframe")
    rules = [RatioRule(c) for c in configs]
    openings: list[list[Opening]] = [[] for _ in configs]
    for now in steps:
        ref, cur = window_counts(es.search(index=MENTIONS, **window_counts_search(now, configs[0])))
        for rule, found in zip(rules, openings, strict=True):
            if rule.check(now, ref, cur):
                found.append(Opening(at=now, window=rule.config.timeframe, key="all", count=cur))
    return openings


def report(
    console: Console,
    stream: Stream,
    profile: Profile,
    scores: dict[str, Score],
    quiet_alerts: int,
    seconds: float,
) -> None:
    s = stream.settings
    negative = sum(
        1 for m in stream.mentions if m.toward_force and m.toward_force.label == "negative"
    )
    sizes = Counter(sp.size for sp in stream.scored_spikes)
    console.print(
        f"[bold]Alert quality benchmark[/bold] — seed {s.seed}, {s.weeks} weeks from "
        f"{s.start:%Y-%m-%d} ({s.baseline_weeks} baseline, "
        f"{s.weeks - s.baseline_weeks} scored, evaluated every 15 min)\n"
        f"{len(stream.mentions):,} mentions ({negative / len(stream.mentions):.0%} negative toward "
        f"the force), {len(stream.events)} known events, {len(stream.bursts)} re-post bursts; "
        f"scored spikes: {len(stream.scored_spikes)} "
        f"(small {sizes['small']}, medium {sizes['medium']}, large {sizes['large']}; "
        f"{sum(1 for sp in stream.scored_spikes if sp.event)} inside known events)"
    )
    table = Table(show_lines=False)
    table.add_column("")
    for name in scores:
        table.add_column(name, justify="right")
    rows: list[tuple[str, Callable[[Score], str]]] = [
        ("detection rate", lambda sc: sc.rate()),
        ("  small spikes", lambda sc: sc.rate(lambda sp: sp.size == "small")),
        ("  medium spikes", lambda sc: sc.rate(lambda sp: sp.size == "medium")),
        ("  large spikes", lambda sc: sc.rate(lambda sp: sp.size == "large")),
        ("  spikes at the evening peak", lambda sc: sc.rate(lambda sp: 18 <= sp.start.hour < 22)),
        ("median detection delay", lambda sc: sc.median_delay()),
        ("false alarms per week", lambda sc: sc.per_week(sc.false_alarms)),
    ]
    causes = sorted(
        {
            cause(o, stream, profile.alerts.min_count)
            for sc in scores.values()
            for o in sc.false_alarms
        }
    )
    for reason in causes:
        rows.append(
            (
                f"  {reason}",
                lambda sc, r=reason: sc.per_week(
                    [o for o in sc.false_alarms if cause(o, stream, profile.alerts.min_count) == r]
                ),
            )
        )
    rows.append(("alerts opened", lambda sc: str(len(sc.openings))))
    for label, cell in rows:
        table.add_row(label, *(cell(sc) for sc in scores.values()))
    earshot = scores["Earshot"]
    in_event = [sp for sp in earshot.spikes if sp.event]
    annotated = sum(1 for sp in in_event if sp in earshot.detected and earshot.detected[sp].event)
    table.add_row(
        "in-event spikes annotated with the event",
        f"{annotated}/{len(in_event)}",
        *("n/a" for _ in range(len(scores) - 1)),
    )
    console.print(table)
    a = profile.alerts
    console.print(
        f"Earshot: windows {a.windows_minutes} min, baseline {a.baseline_weeks} weeks "
        f"(same hour of week, median), probability < {a.probability:g} "
        f"(< {a.event_probability:g} in events), min_count {a.min_count}, "
        f"share_probability {a.share_probability:g}, cooldown {a.cooldown_minutes} min; "
        f"stories counted once per near-duplicate cluster. Also opened {quiet_alerts} "
        f"source-quiet alerts (not scored)."
    )
    for name, config in (("defaults", RATIO_DEFAULTS), ("threshold_cur 5", RATIO_TUNED)):
        console.print(f"ElastAlert2 spike ({name}): {config.describe()}; counts documents.")
    console.print(
        f"A spike is detected by an alert opened after its start and at most "
        f"{GRACE / timedelta(minutes=1):g} min after its end; any other opening is a false "
        f"alarm. Took {seconds:.0f} s. Reproduce: make bench-alerts "
        f"(or .venv/bin/python -m bench.alerts --seed {s.seed} --weeks {s.weeks})"
    )


def run_seed(es: Elasticsearch, settings: StreamSettings) -> tuple[Stream, dict[str, Score], int]:
    """One stream, replayed into an emptied node, judged by every method."""
    err = Console(stderr=True)
    stream = generate(settings)
    base = load_profile(DEFAULT_PROFILE)
    profile = base.model_copy(
        update={"alerts": base.alerts.model_copy(update={"events": stream.events})}
    )
    steps = []
    at = settings.scored_from + STEP
    while at <= settings.end:
        steps.append(at)
        at += STEP
    empty(es)
    err.print(f"seed {settings.seed}: replaying {len(stream.mentions):,} mentions …")
    replay(es, stream)
    defaults, tuned = run_ratio_rules(es, [RATIO_DEFAULTS, RATIO_TUNED], steps)
    err.print(f"seed {settings.seed}: Earshot over {len(steps)} steps …")
    earshot = run_earshot(es, profile, steps)
    es.indices.refresh(index=ALERTS)
    quiet = es.count(index=ALERTS, query={"term": {"rule": SourceQuiet.name}})["count"]
    scores = {
        "Earshot": score(stream, earshot),
        "ElastAlert2 spike (defaults)": score(stream, defaults),
        "ElastAlert2 spike (threshold_cur 5)": score(stream, tuned),
    }
    return stream, scores, quiet


def empty(es: Elasticsearch) -> None:
    """Delete Earshot's indices, so the next seed starts from nothing on the same node.
    By name: Elasticsearch refuses wildcard deletes by default."""
    names = list(es.indices.get(index="earshot-*", expand_wildcards="all"))
    if names:
        es.indices.delete(index=",".join(names))


def seed_list(count: int) -> list[int]:
    """The first `count` of SEEDS, then more beyond them (held out, like the second half)."""
    if count < 2:
        raise ValueError("--seeds needs at least 2: one to tune on, one held out")
    extra = [1_000 + n for n in range(max(0, count - len(SEEDS)))]
    return [*SEEDS, *extra][:count]


METRICS: list[tuple[str, Callable[[Score], float | None], str]] = [
    ("detection rate", lambda sc: sc.fraction(), "%"),
    ("  small spikes", lambda sc: sc.fraction(lambda sp: sp.size == "small"), "%"),
    ("  medium spikes", lambda sc: sc.fraction(lambda sp: sp.size == "medium"), "%"),
    ("  large spikes", lambda sc: sc.fraction(lambda sp: sp.size == "large"), "%"),
    ("  at the evening peak", lambda sc: sc.fraction(evening), "%"),
    ("median detection delay (min)", lambda sc: sc.delay_minutes(), "min"),
    ("false alarms per week", lambda sc: len(sc.false_alarms) / sc.weeks, "/wk"),
]


def evening(spike: InjectedSpike) -> bool:
    return 18 <= spike.start.hour < 22


def spread(values: list[float | None], unit: str) -> str:
    """Mean and range over seeds ("-" where a seed had nothing to measure)."""
    known = [v for v in values if v is not None]
    if not known:
        return "-"
    scale, digits = (100, 0) if unit == "%" else (1, 1 if unit == "/wk" else 0)
    mean, low, high = (
        round(v * scale, digits) for v in (statistics.mean(known), min(known), max(known))
    )
    suffix = "%" if unit == "%" else ""
    return f"{mean:g}{suffix} ({low:g} to {high:g})"


def summary(console: Console, title: str, runs: dict[int, dict[str, Score]]) -> None:
    """Per method, the mean and range over the seeds of every figure."""
    methods = list(next(iter(runs.values())))
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for name in methods:
        table.add_column(name, justify="right")
    shapes = sorted({sp.shape for scores in runs.values() for sp in scores["Earshot"].spikes})
    metrics = list(METRICS)
    if shapes != ["synthetic"]:
        metrics += [
            (f"  {shape}", lambda sc, s=shape: sc.fraction(lambda sp: sp.shape == s), "%")
            for shape in shapes
        ]
    for label, measure, unit in metrics:
        table.add_row(
            label,
            *(spread([measure(scores[m]) for scores in runs.values()], unit) for m in methods),
        )
    console.print(table)
    lines = []
    for seed, scores in runs.items():
        ours = scores["Earshot"]
        best = max((sc for name, sc in scores.items() if name != "Earshot"), key=_overall)
        lines.append(
            f"  seed {seed}: Earshot {ours.rate()}, evening {ours.rate(evening)}, "
            f"{len(ours.false_alarms) / ours.weeks:.1f} false alarms/wk; better ElastAlert2 "
            f"{best.rate()}, evening {best.rate(evening)} "
            f"(Earshot {100 * (_overall(ours) - _overall(best)):+.0f} points)"
        )
    console.print("\n".join(lines))


def _overall(sc: Score) -> float:
    return sc.fraction() or 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="one seed, with the full breakdown")
    parser.add_argument(
        "--seeds",
        type=int,
        default=len(SEEDS),
        help=f"how many seeds (the first {len(TUNING)} tune, the rest are held out)",
    )
    parser.add_argument("--weeks", type=int, default=StreamSettings.weeks)
    parser.add_argument(
        "--real-shapes",
        action="store_true",
        help="spikes shaped like real incidents' timelines (bench/data/incident_shapes.csv)",
    )
    parser.add_argument(
        "--held-out-only", action="store_true", help="skip the tuning seeds (faster)"
    )
    args = parser.parse_args(argv)
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    console = Console()
    err = Console(stderr=True)
    started = time.perf_counter()
    seeds = [args.seed] if args.seed is not None else seed_list(args.seeds)
    if args.held_out_only:
        seeds = [s for s in seeds if s not in TUNING]
    node = LocalNode(Path(tempfile.mkdtemp(prefix="earshot-bench-")) / "elasticsearch")
    err.print("starting a throwaway Elasticsearch node …")
    running = node.start()
    runs: dict[int, dict[str, Score]] = {}
    try:
        es = Elasticsearch(
            running.url, basic_auth=("elastic", node.password()), request_timeout=120
        )
        for seed in seeds:
            settings = StreamSettings(seed=seed, weeks=args.weeks, real_shapes=args.real_shapes)
            stream, scores, quiet = run_seed(es, settings)
            runs[seed] = scores
            if args.seed is not None:
                profile = load_profile(DEFAULT_PROFILE)
                report(console, stream, profile, scores, quiet, time.perf_counter() - started)
    finally:
        node.destroy()
        node.home.parent.rmdir()
    if args.seed is not None:
        return
    shapes = "real incident shapes" if args.real_shapes else "synthetic spikes"
    tuning = {s: scores for s, scores in runs.items() if s in TUNING}
    held_out = {s: scores for s, scores in runs.items() if s not in TUNING}
    for group, picked in (("tuning", tuning), ("held-out", held_out)):
        if picked:
            summary(
                console,
                f"{group} seeds ({len(picked)}), {shapes}, {args.weeks} weeks each "
                f"({args.weeks - StreamSettings.baseline_weeks} scored): mean (range)",
                picked,
            )
    console.print(
        f"Took {time.perf_counter() - started:.0f} s. A spike is detected by an alert opened "
        f"after its start and at most {GRACE / timedelta(minutes=1):g} min after its end; any "
        f"other opening is a false alarm. One seed in full: --seed N."
    )


if __name__ == "__main__":
    sys.exit(main())
