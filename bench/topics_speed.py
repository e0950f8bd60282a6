"""`python -m bench.topics_speed [OLDER_TOPICS_YAML]`: what tagging topics costs per text on
the texts of `make bench`, and beside it the same for an older taxonomy, for example
`git show main:enrichment/data/topics.yaml > /tmp/topics_main.yaml`.

More phrases find more, but every text pays for the topics whose words it holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.enrichment import texts
from bench.toward_force_speed import microseconds_per_text
from earshot.core.paths import DEFAULT_PROFILE
from enrichment.topics import TAXONOMY, TopicTagger
from listeners import load_profile


def main(paths: list[Path]) -> None:
    items = texts()
    campaigns = load_profile(DEFAULT_PROFILE).force.campaigns
    print(f"texts: {len(items)}; best of 5 passes")
    for path in paths:
        tagger = TopicTagger.from_taxonomy(campaigns, path)
        cost = microseconds_per_text(lambda t=tagger: [t.tags(x) for x in items], len(items))
        print(f"{path!s:<60}{cost:>8.0f} µs per text")


if __name__ == "__main__":
    main([TAXONOMY, *(Path(p) for p in sys.argv[1:])])
