"""tests/data/README.md's counts are the labelled set's own: regenerated, not hand-kept."""

import re

from bench.evaluation import DATA, load_examples
from bench.label_counts import tables

README = DATA / "README.md"


def test_the_readmes_counts_tables_are_the_data_counted_now():
    found = re.search(
        r"<!-- counts: python -m bench.label_counts -->\n(.*?)<!-- /counts -->",
        README.read_text(encoding="utf-8"),
        re.S,
    )
    assert found, f"{README}: the counts markers are missing"
    assert found.group(1) == tables(load_examples()), (
        f"{README}'s counts differ from the data: paste `python -m bench.label_counts` "
        "between its markers"
    )
