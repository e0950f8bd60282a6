"""95% bootstrap intervals for `make eval`: the held-out split has 3 to 40 examples per
label, so one example moves a figure by 0.1 or more; the interval says how far to trust it.

Rows are resampled with replacement, the same resamples for every figure (so a difference
between two judges on the same texts is paired), from a fixed seed printed with the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SEED = 20261204
RESAMPLES = 1_000

Pairs = list[tuple[set[str], set[str]]]


@dataclass(frozen=True)
class Spread:
    """A figure's value on the rows as they are, and its 2.5th and 97.5th percentiles."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.2f} [{self.low:.2f} to {self.high:.2f}]"


@dataclass(frozen=True)
class PRF:
    precision: Spread
    recall: Spread
    f1: Spread


class Bootstrap:
    """One set of resamples of n rows, reused for every figure on those rows."""

    def __init__(self, rows: int, *, seed: int = SEED, resamples: int = RESAMPLES) -> None:
        self.seed, self.resamples = seed, resamples
        rng = np.random.default_rng(seed)
        self._chosen = rng.integers(0, rows, size=(resamples, rows)) if rows else None

    def scores(self, pairs: Pairs, label: str) -> PRF:
        """One label's precision, recall and F1 over (expected, predicted) label sets."""
        return self._prf(*_per_row(pairs, label))

    def micro(self, pairs: Pairs) -> PRF:
        tp = [len(e & p) for e, p in pairs]
        fp = [len(p - e) for e, p in pairs]
        fn = [len(e - p) for e, p in pairs]
        return self._prf(tp, fp, fn)

    def macro_f1(self, pairs: Pairs, labels: Iterable[str]) -> Spread:
        return self._spread(self._macro(pairs, labels))

    def difference(self, better: Pairs, baseline: Pairs, labels: Iterable[str]) -> Spread:
        """Macro F1 of one judge minus another's on the same rows, resampled together."""
        labels = list(labels)
        return self._spread(self._macro(better, labels) - self._macro(baseline, labels))

    def _macro(self, pairs: Pairs, labels: Iterable[str]) -> np.ndarray:
        """Row 0: the figure on the rows as they are; then one per resample."""
        return np.mean([self._f1(self._counts(pairs, label)) for label in labels], axis=0)

    def _counts(self, pairs: Pairs, label: str) -> tuple[np.ndarray, ...]:
        return tuple(self._totals(c) for c in _per_row(pairs, label))

    def _totals(self, per_row: list) -> np.ndarray:
        counts = np.asarray(per_row, dtype=float)
        if self._chosen is None:
            return np.zeros(self.resamples + 1)
        return np.concatenate(([counts.sum()], counts[self._chosen].sum(axis=1)))

    def _prf(self, tp: list, fp: list, fn: list) -> PRF:
        t, f_p, f_n = (self._totals(c) for c in (tp, fp, fn))
        precision = _ratio(t, t + f_p)
        recall = _ratio(t, t + f_n)
        return PRF(
            self._spread(precision), self._spread(recall), self._spread(self._f1((t, f_p, f_n)))
        )

    @staticmethod
    def _f1(counts: tuple[np.ndarray, ...]) -> np.ndarray:
        tp, fp, fn = counts
        return _ratio(2 * tp, 2 * tp + fp + fn)

    @staticmethod
    def _spread(values: np.ndarray) -> Spread:
        low, high = np.percentile(values[1:], [2.5, 97.5])
        return Spread(float(values[0]), float(low), float(high))


def _per_row(pairs: Pairs, label: str) -> tuple[list[bool], list[bool], list[bool]]:
    """True positive, false positive and false negative of one label, row by row."""
    tp = [label in e and label in p for e, p in pairs]
    fp = [label not in e and label in p for e, p in pairs]
    fn = [label in e and label not in p for e, p in pairs]
    return tp, fp, fn


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """0 where the bottom is 0, as the plain scores do (no predictions, no support)."""
    return np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)
