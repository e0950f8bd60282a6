"""A made-up but typical day for Lincolnshire Police, as figures, for the preview.

The preview renders the same charts and templates as a real digest, from these figures
instead of Elasticsearch, so `make digest-preview` needs no cluster and always shows every
section. The posts are written for this file; no real person is quoted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from earshot.core.clock import LocalDay
from earshot.digest.model import (
    CampaignTally,
    EmergingTopic,
    Figures,
    FlagCount,
    Headline,
    Hour,
    Item,
    Span,
    Tally,
)

DAY = LocalDay(date(2026, 11, 20))

# Per local hour: (negative, neutral, positive, usual low, usual high, usual mean).
_HOURS = [
    (0, 1, 0, 0, 1, 0.3),
    (0, 0, 0, 0, 1, 0.1),
    (0, 0, 0, 0, 0, 0.0),
    (0, 0, 0, 0, 0, 0.0),
    (0, 0, 0, 0, 0, 0.0),
    (0, 1, 0, 0, 0, 0.0),
    (0, 1, 1, 0, 1, 0.3),
    (1, 2, 1, 0, 1, 0.4),
    (1, 3, 2, 0, 2, 0.9),
    (2, 4, 1, 0, 2, 1.0),
    (1, 3, 1, 0, 2, 0.7),
    (1, 2, 2, 0, 2, 0.9),
    (2, 3, 1, 0, 2, 1.0),
    (1, 2, 1, 0, 2, 0.7),
    (1, 2, 0, 0, 2, 0.6),
    (2, 3, 1, 0, 2, 1.0),
    (2, 2, 1, 0, 3, 1.1),
    (4, 2, 0, 0, 3, 1.3),
    (7, 3, 1, 0, 3, 1.4),
    (6, 2, 0, 0, 3, 1.3),
    (3, 2, 1, 0, 2, 0.9),
    (1, 2, 0, 0, 2, 0.6),
    (1, 1, 0, 0, 1, 0.4),
    (0, 1, 0, 0, 1, 0.3),
]


def sample_figures() -> Figures:
    hours = tuple(
        Hour(
            start=DAY.local(DAY.start + timedelta(hours=n)),
            negative=neg,
            neutral=neu,
            positive=pos,
            usual_negative_low=low,
            usual_negative_high=high,
            usual_negative_mean=mean,
        )
        for n, (neg, neu, pos, low, high, mean) in enumerate(_HOURS)
    )
    return Figures(
        force="Lincolnshire Police",
        day=DAY,
        headline=Headline(
            day=Span(days=1, mentions=92, negative=36, in_area=71, needing_response=23),
            previous_day=Span(days=1, mentions=61, negative=14, in_area=47, needing_response=12),
            previous_week=Span(
                days=7, mentions=420, negative=101, in_area=323, needing_response=90
            ),
        ),
        hours=hours,
        topics=(
            Tally("roads", 24),
            Tally("response-times", 17),
            Tally("incident", 15),
            Tally("burglary", 11),
            Tally("contact-999-101", 9),
            Tally("praise-thanks", 8),
            Tally("anti-social-behaviour", 6),
            Tally("appeal", 5),
            Tally("vehicle-crime", 4),
            Tally("recruitment", 2),
        ),
        places=(
            Tally("Lincoln", 29),
            Tally("Boston", 14),
            Tally("Grantham", 11),
            Tally("Skegness", 7),
            Tally("Sleaford", 5),
            Tally("Spalding", 4),
            Tally("Gainsborough", 3),
        ),
        sources=(
            Tally("lincs-local-news", 36, "rss"),
            Tally("lincs-police-news-comments", 27, "rss"),
            Tally("r-lincoln", 18, "reddit"),
            Tally("lincolnshire-live", 11, "rss"),
        ),
        needing_response=(
            _item(
                None,
                "",
                "contact-handling",
                100,
                "reports a crime or welfare concern on social media: route to 999/101 contact "
                "handling",
                ("crime-reported", "personal-data"),
                "r-lincoln",
                18,
                20,
            ),
            _item(
                "A46 closed at Riseholme after crash: police say stay away",
                "Rumours spreading that the A46 will be shut all weekend and that someone died. "
                "Can Lincs Police confirm anything? People are being told different things.",
                "escalate",
                90,
                "possible misinformation that could cause harm: correct the facts and escalate",
                (),
                "lincs-local-news",
                18,
                45,
                similar=4,
            ),
            _item(
                None,
                "",
                "moderate-preserve",
                85,
                "identifies a victim, witness or child: preserve and remove",
                ("identifies-person",),
                "lincs-police-news-comments",
                19,
                5,
            ),
            _item(
                "Comment on: Appeal after burglary in Boston",
                "Rang 101 three times about the lads on the bikes and waited over an hour each "
                "time. Nobody came. What is the point?",
                "put-it-right",
                65,
                "complains about the service: put it right, or signpost the complaints process",
                (),
                "lincs-police-news-comments",
                9,
                12,
            ),
            _item(
                "Grantham residents say patrols have vanished from the town centre",
                "Shop owners on the high street say they have not seen an officer in weeks.",
                "put-it-right",
                60,
                "complains about the service: put it right, or signpost the complaints process",
                (),
                "lincolnshire-live",
                11,
                30,
            ),
            _item(
                "Police recruitment figures 'do not add up', says councillor",
                "The figures quoted at the panel were for the whole region, not the county.",
                "correct-facts",
                50,
                "may be factually wrong: correct it with the facts",
                (),
                "lincs-local-news",
                14,
                0,
            ),
        ),
        flagged=9,
        risk_flags=(
            FlagCount("crime-reported", 4),
            FlagCount("personal-data", 3),
            FlagCount("identifies-person", 2),
            FlagCount("abuse-discrimination", 1),
        ),
        emerging=(EmergingTopic("roads", 24, 11), EmergingTopic("incident", 15, 9)),
        praise=(
            _item(
                "Comment on: Missing Skegness man found safe",
                "Huge thanks to the officers and the search team who found my neighbour last "
                "night. You were kind and calm with the whole family.",
                "thank",
                20,
                "praises the force: thank and share",
                (),
                "lincs-police-news-comments",
                8,
                10,
                toward_force=0.93,
            ),
            _item(
                "Bobby Bear visits Sleaford primary school",
                "The children loved meeting Bobby Bear and PCSO Ahmed this morning.",
                "thank",
                20,
                "praises the force: thank and share",
                (),
                "lincs-local-news",
                10,
                40,
                toward_force=0.88,
            ),
        ),
        campaigns=(
            CampaignTally("Operation NOVA", "campaign:operation-nova", 6, 1, 3, 14),
            CampaignTally("Bobby Bear", "campaign:bobby-bear", 2, 0, 2, 5),
        ),
        alerts=None,
    )


def _item(
    title: str | None,
    snippet: str,
    action: str,
    priority: int,
    reason: str,
    flags: tuple[str, ...],
    source: str,
    hour: int,
    minute: int,
    *,
    similar: int = 0,
    toward_force: float = -0.6,
) -> Item:
    published = datetime.combine(DAY.day, datetime.min.time(), tzinfo=DAY.tz).replace(
        hour=hour, minute=minute
    )
    return Item(
        id=f"sample-{source}-{hour:02d}{minute:02d}",
        title=title,
        snippet=snippet,
        url=f"https://news.example/{source}/{hour:02d}{minute:02d}",
        source=source,
        published=published,
        action=action,
        priority=priority,
        reason=reason,
        status="new" if priority < 90 else "in-hand",
        risk_flags=flags,
        toward_force=toward_force,
        similar=similar,
    )
