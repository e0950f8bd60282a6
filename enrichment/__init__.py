"""Enrichment: pure functions over a Mention and the profile. No I/O per mention: every
part is compiled once per profile by `Enricher.for_profile`, so enriching is fast and
each part is testable on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from earshot.core.model import Mention, Sentiment
from earshot.core.near_duplicates import canonical_url, signature
from earshot.core.profile import Profile
from enrichment.language import UNDETERMINED, language
from enrichment.places import Gazetteer
from enrichment.relevance import ForceMatcher, RelevanceJudge
from enrichment.response import recommend
from enrichment.risk_model import judge_risk
from enrichment.sentiment import Read, TowardForce, tone
from enrichment.topics import TopicTagger

# Enough for any post, article opening or comment; a 1 MB paste is judged by its start.
MAX_CHARS = 20_000
NOT_JUDGED = Sentiment(score=0.0, label="neutral")


@dataclass(frozen=True)
class Enricher:
    force: ForceMatcher
    relevance: RelevanceJudge
    owns: Callable[[str | None], bool]
    toward_force: TowardForce
    topics: TopicTagger
    places: Gazetteer

    @classmethod
    def for_profile(cls, profile: Profile) -> Enricher:
        return cls(
            force=ForceMatcher.from_profile(profile.force),
            relevance=RelevanceJudge.for_force(profile.force),
            owns=profile.force.owns,
            toward_force=TowardForce.for_force(profile.force.terms()),
            topics=TopicTagger.from_taxonomy(profile.force.campaigns),
            places=Gazetteer.for_area(profile.area),
        )

    def judge(self, mention: Mention, *, is_reply: bool = False, news: bool = False) -> Judged:
        """Whether the desk keeps the mention, and why: the cheap part, run on all that is
        heard. Most of a noisy stream is dropped here, and `complete` is spared for it.
        `is_reply`: the item answers the force's own post, so "you" means the force. `news`:
        the item is a news report (its source `reads_as_news`)."""
        words = f"{mention.title}\n{mention.text}"[:MAX_CHARS]
        force_terms = self.force.terms_in(words)
        plain = self.relevance.plain(words)
        # Named or answering the force, the judge needs no police words: spare the search.
        policing = not force_terms and not is_reply and self.relevance.about_policing(plain)
        # Talk about the police, or to the force, settles ambiguous names such as Boston.
        about_policing = (
            bool(force_terms) or is_reply or policing or self.toward_force.refers_to(plain)
        )
        places, in_area = self.places.find(words, force_named=about_policing)
        verdict = self.relevance.judge(
            words,
            plain,
            force_terms=force_terms,
            is_reply=is_reply,
            in_area=in_area,
            policing=policing,
        )
        judged = mention.model_copy(
            update={
                "is_reply": is_reply,
                "by_force": mention.by_force or self.owns(mention.author),
                "force_terms": force_terms,
                "relevance": verdict.relevance,
                "not_relevant": verdict.not_relevant,
                "places": places,
                "in_area": in_area,
            }
        )
        return Judged(judged, words=words, plain=plain, news=news)

    def complete(self, judged: Judged) -> Mention:
        """Tone, tone toward the force, flags, topics and the recommended response: the
        costly part, for what is kept (and for every labelled text in `make eval`)."""
        words, plain, mention = judged.words, judged.plain, judged.mention
        written_in = language(words)
        plain_tone = tone(words)
        # VADER reads English only: a Polish thank-you would be scored on stray tokens. Why a
        # post reads for or against the force goes with the flags' reasons: the desk decides to
        # thank or put right on it.
        toward = (
            Read(NOT_JUDGED)
            if written_in not in {"en", UNDETERMINED}
            else self.toward_force.read(
                plain,
                is_reply=mention.is_reply,
                news=judged.news,
                plain_tone=plain_tone if plain == words else None,
            )
        )
        flags, evidence = judge_risk(words)
        if toward.verdict:
            # The desk withholds a flagged post's words: its reason keeps to the verdict.
            evidence += (toward.verdict if flags else toward.reason,)
        enriched = mention.model_copy(
            update={
                # A page others share (a place's reviews, a post's comments) is no story's
                # address: every review of a station was one story, the rest "copies".
                "canonical_url": None if mention.link_shared else canonical_url(mention.url),
                "signature": signature(words),
                "tone": plain_tone,
                "toward_force": toward.tone,
                "topics": self.topics.tags(words),
                "risk_flags": flags,
                "language": written_in,
            }
        )
        return enriched.model_copy(update={"response": recommend(enriched, evidence)})

    def enrich(self, mention: Mention, *, is_reply: bool = False, news: bool = False) -> Mention:
        """Everything, kept or not: `judge`, then `complete`."""
        return self.complete(self.judge(mention, is_reply=is_reply, news=news))


@dataclass(frozen=True)
class Judged:
    """A mention with its relevance decided, and the texts `complete` reads again."""

    mention: Mention
    words: str  # title and text, as judged
    plain: str  # the same with police words in another sense blanked ("fashion police")
    news: bool = False  # a news report: tone toward the force read as news prose

    @property
    def kept(self) -> bool:
        """The force's own posts are kept, labelled, so replies can be read against them."""
        return bool(self.mention.relevance) or self.mention.by_force


__all__ = ["Enricher", "ForceMatcher", "Judged"]
