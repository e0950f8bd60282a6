"""The store's ids in the words command reads: actions, risk flags, topics."""

from __future__ import annotations

ACTIONS = {
    "contact-handling": "Route to 999/101 contact handling",
    "moderate-preserve": "Preserve, moderate, hand on",
    "refer-to-investigator": "Refer to the investigating officer",
    "escalate": "Correct the facts and escalate",
    "put-it-right": "Put it right",
    "correct-facts": "Correct the facts",
    "monitor": "Monitor",
    "thank": "Thank and share",
    "no-action": "No action",
}

RISK_FLAGS = {
    "threat-to-staff": "Threats to officers or staff",
    "abuse-discrimination": "Abuse or discrimination",
    "could-prejudice-case": "Could prejudice a case",
    "identifies-person": "Identifies a victim, witness or child",
    "personal-data": "Personal data shared",
    "possible-misinformation": "Possible misinformation",
    "crime-reported": "Crime or concern reported",
}

TOPICS = {
    "anti-social-behaviour": "anti-social behaviour",
    "criminal-damage-arson": "criminal damage and arson",
    "contact-999-101": "999 and 101 contact",
    "praise-thanks": "praise and thanks",
    "theft-from-the-person": "theft from the person",
}

STATUSES = {"new": "new", "in-hand": "in hand", "done": "done"}


def action(name: str) -> str:
    return ACTIONS.get(name, name)


def risk_flag(name: str) -> str:
    return RISK_FLAGS.get(name, name.replace("-", " ").capitalize())


def topic(name: str) -> str:
    """`violent-crime` → "violent crime". Campaign topics have their own section, by name."""
    return TOPICS.get(name, name.replace("-", " "))


def source(name: str, platform: str | None) -> str:
    """A source as the profile names it, with its platform: "lincs-local-news (rss)"."""
    return f"{name} ({platform})" if platform else name
