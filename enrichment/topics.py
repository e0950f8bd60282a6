"""What a mention is about: multi-label topic tags from a taxonomy kept as data (topics.yaml).

The comms desk edits vocabulary more often than code, so the phrases live in YAML and this
module only checks and compiles them. Precision comes first: a wrong tag sends an analyst
the wrong way, a missing one only leaves a gap that the text search still covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from earshot.core.profile import Campaign
from enrichment.relevance import phrase_pattern
from enrichment.rule_files import (
    LONG_TEXT,
    PhraseIndex,
    Sentences,
    TaxonomyError,
    check_description,
    check_keys,
    compile_each,
    fixed_entries,
    read_rules,
)

TAXONOMY = Path(__file__).parent / "data" / "topics.yaml"

# The fixed label ids: data.police.uk crime categories, then service themes, then incidents.
# Dashboards and house rules key on these, so the taxonomy may not invent or drop one.
CRIME_CATEGORIES = (
    "anti-social-behaviour",
    "bicycle-theft",
    "burglary",
    "criminal-damage-arson",
    "drugs",
    "other-theft",
    "possession-of-weapons",
    "public-order",
    "robbery",
    "shoplifting",
    "theft-from-the-person",
    "vehicle-crime",
    "violent-crime",
    "other-crime",
)
SERVICE_THEMES = (
    "contact-999-101",
    "response-times",
    "officer-conduct",
    "praise-thanks",
    "stop-and-search",
    "roads",
    "custody",
    "recruitment",
)
INCIDENTS = ("appeal", "missing-person", "incident")
LABELS = CRIME_CATEGORIES + SERVICE_THEMES + INCIDENTS
CAMPAIGN_PREFIX = "campaign:"
# A long text's opening: its title and first two sentences, where news says what it is about.
OPENING_SENTENCES = 3


@dataclass(frozen=True)
class Topic:
    """One label, its phrases compiled into a single regex, and the labels it gives way to.
    `phrases`: the same phrases one regex each, so a short text is searched only for the
    phrases whose words it holds, not for a whole topic's alternation."""

    id: str
    pattern: re.Pattern[str]
    phrases: tuple[re.Pattern[str], ...]
    unless: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TopicTagger:
    """Built once per profile; `tags` is then one screening pass and a regex search per
    phrase whose words are in the text."""

    topics: tuple[Topic, ...]
    index: PhraseIndex  # over every topic's phrases

    @classmethod
    def from_taxonomy(cls, campaigns: list[Campaign], path: Path | None = None) -> TopicTagger:
        """`path`: another taxonomy file (a benchmark's older version); else the shipped one."""
        fixed = _taxonomy() if path is None else load_taxonomy(path)
        topics = (*fixed, *_campaign_topics(campaigns))
        return cls(topics=topics, index=PhraseIndex.of([t.phrases for t in topics]))

    def tags(self, text: str) -> tuple[str, ...]:
        """Sorted label ids; a catch-all topic drops out when a more specific one it names fired."""
        found = self.index.matching(text)
        if len(text) > LONG_TEXT:
            found = {i for i in found if _about(self.topics[i].pattern, text)}
        hit = {self.topics[i].id for i in found}
        return tuple(sorted(t.id for t in self.topics if t.id in hit and not t.unless & hit))


def _about(pattern: re.Pattern[str], text: str) -> bool:
    """A long text is about what its opening says or what it comes back to: a blog that
    mentions custody once in 1,400 words is not about custody."""
    sentences = Sentences.of(text)
    opening_end = sentences.opening_end(OPENING_SENTENCES)
    return bool(pattern.search(text, 0, opening_end)) or sentences.count_holding(pattern, text) > 1


def campaign_label(name: str) -> str:
    """Operation NOVA -> campaign:operation-nova: ids stay stable however a name is styled."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise TaxonomyError(f"campaign {name!r}: the name has no letters or digits for an id")
    return CAMPAIGN_PREFIX + slug


def load_taxonomy(path: Path = TAXONOMY) -> tuple[Topic, ...]:
    """Every fixed label exactly once, each with a description and phrases that compile."""
    raw = read_rules(path, top_keys={"vocab", "topics"})
    vocab = raw.get("vocab") or {}
    topics = fixed_entries(raw, path, "topics", LABELS)
    built = []
    for label, spec in topics.items():
        where = f"{path}: topics.{label}"
        check_keys(spec, where, required={"description", "patterns"}, optional={"unless"})
        check_description(spec["description"], where)
        unless = spec.get("unless") or []
        if not isinstance(unless, list) or not set(unless) <= set(LABELS) - {label}:
            raise TaxonomyError(f"{where}.unless: expected a list of other label ids")
        pattern, phrases = compile_each(spec["patterns"], vocab, f"{where}.patterns")
        built.append(Topic(id=label, pattern=pattern, phrases=phrases, unless=frozenset(unless)))
    return tuple(built)


@cache
def _taxonomy() -> tuple[Topic, ...]:
    """Read and compiled once per process, whatever the number of profiles."""
    return load_taxonomy()


def _campaign_topics(campaigns: list[Campaign]) -> list[Topic]:
    # Two campaigns whose names slug alike are one label: merge their terms, don't shadow.
    terms: dict[str, list[str]] = {}
    for campaign in campaigns:
        terms.setdefault(campaign_label(campaign.name), []).extend(campaign.terms)
    patterns = {label: _term_pattern(ts) for label, ts in terms.items()}
    return [Topic(id=label, pattern=p, phrases=(p,)) for label, p in patterns.items()]


def _term_pattern(terms: list[str]) -> re.Pattern[str]:
    # Campaign terms are literal text, not regex. A handle or hashtag also counts bare,
    # as the public often drops the # ("OpNOVA").
    return phrase_pattern([*terms, *(t[1:] for t in terms if t[:1] in "@#" and len(t) > 1)])
