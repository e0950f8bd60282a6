"""ElastAlert2's `spike` rule, as it behaves out of the box, for the alerts benchmark.

Two consecutive windows of `timeframe`: reference (two timeframes ago to one) and current
(one timeframe ago to now). With `spike_type: up` it matches when
cur >= ref * spike_height, unless cur < threshold_cur or ref < threshold_ref — and both
thresholds default to 0, so 0 vs 0 matches (0 >= 0 * 3) and so does 0 → 1. After a match
ElastAlert clears the reference window and stays silent until two timeframes have passed
(`SpikeRule.clear_windows`); `realert` (default 1 minute) silences repeats on top of that.
Counts are documents matching the rule's filter — near-duplicates each count.

Source: ElastAlert2 docs, "Rule Types and Configuration Options", Spike; and
elastalert/ruletypes.py, SpikeRule.find_matches / handle_event / clear_windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from earshot.store.fields import public_negative, time_range


@dataclass(frozen=True)
class SpikeRuleConfig:
    timeframe: timedelta = timedelta(hours=1)
    spike_height: float = 3.0
    spike_type: Literal["up", "down", "both"] = "up"
    threshold_ref: int = 0  # ElastAlert2's default when not set
    threshold_cur: int = 0  # ElastAlert2's default when not set
    realert: timedelta = timedelta(minutes=1)  # ElastAlert2's default

    def describe(self) -> str:
        minutes = self.timeframe / timedelta(minutes=1)
        return (
            f"type: spike, spike_type: {self.spike_type}, spike_height: {self.spike_height:g}, "
            f"timeframe: {minutes:g} min, threshold_ref: {self.threshold_ref}, "
            f"threshold_cur: {self.threshold_cur}, realert: "
            f"{self.realert / timedelta(minutes=1):g} min"
        )


def is_spike(ref: int, cur: int, config: SpikeRuleConfig) -> bool:
    """ElastAlert2's `find_matches` for document counts."""
    if cur < config.threshold_cur or ref < config.threshold_ref:
        return False
    up = cur >= ref * config.spike_height
    down = cur <= ref / config.spike_height
    return (config.spike_type in ("up", "both") and up) or (
        config.spike_type in ("down", "both") and down
    )


def window_counts_search(now: datetime, config: SpikeRuleConfig) -> dict:
    """One search body: the public's negative mentions in the reference and current windows."""
    ref_start, cur_start = now - 2 * config.timeframe, now - config.timeframe
    return {
        "size": 0,
        "query": {"bool": {"filter": [time_range(ref_start, now), *public_negative()]}},
        "aggs": {
            "windows": {
                "filters": {
                    "filters": {
                        "ref": time_range(ref_start, cur_start),
                        "cur": time_range(cur_start, now),
                    }
                }
            }
        },
    }


def window_counts(response: dict) -> tuple[int, int]:
    """(ref, cur) from a response to `window_counts_search`."""
    buckets = response["aggregations"]["windows"]["buckets"]
    return buckets["ref"]["doc_count"], buckets["cur"]["doc_count"]


@dataclass
class RatioRule:
    """The rule's only memory between runs: when it may next match (in ElastAlert, memory
    that a restart loses). Assumes it has run for two timeframes already, so it is armed."""

    config: SpikeRuleConfig
    quiet_until: datetime | None = field(default=None)

    def check(self, now: datetime, ref: int, cur: int) -> bool:
        """Whether the rule alerts at `now` with these counts."""
        if self.quiet_until is not None and now < self.quiet_until:
            return False
        if not is_spike(ref, cur, self.config):
            return False
        self.quiet_until = now + max(2 * self.config.timeframe, self.config.realert)
        return True
