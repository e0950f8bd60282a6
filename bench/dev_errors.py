"""The dev split's misses and false alarms for one task, text by text: what a rule writer
reads, and all that one may read (held-out rows are never shown, so rules are not tuned on
them).

    python -m bench.dev_errors risk_flags [LABEL]   # or topics, action, keep, toward_force
"""

from __future__ import annotations

import sys

from bench.evaluation import label_sets, load_examples, predict, scores


def main(task: str, only: str | None = None) -> None:
    dev = [e for e in load_examples() if e["split"] == "dev"]
    pairs = label_sets(dev, predict(dev))[task]
    labels = sorted({label for expected, predicted in pairs for label in expected | predicted})
    for label in [only] if only else labels:
        s = scores(pairs, label)
        print(f"== {task} {label}: P {s.precision:.2f} R {s.recall:.2f} (support {s.support})")
        for e, (expected, predicted) in zip(dev, pairs, strict=True):
            if (label in expected) != (label in predicted):
                kind = "MISSED" if label in expected else "FALSE "
                print(f"  {kind} {e['id']}: {e['text'][:300]!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
