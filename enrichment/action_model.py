"""The learned second opinion on the recommended action, trained by `make train`
(bench/train_action.py) on the dev split.

The rules (enrichment/response.py) are precise on the phrasings they were written for and
fall through to "no action" or "monitor" on the rest. The model reads the same signals the
rules read (risk flags, topics, the judged tone toward the force, where the mention came
from), the words and word pairs of the text, and what the rules decided; where it is sure
enough it overrules them, and it says which features made it sure. Which rules always win
and how sure is sure enough are chosen by cross-validation on dev and stored with the
weights, so retraining never needs a code change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import get_args

from earshot.core.model import Mention, ResponseAction
from enrichment.learned import LABELS, REPLY, LinearModel, Weighing, in_words, words_and_pairs

MODEL_FILE = Path(__file__).parent / "data" / "action_model.json"
# scikit-learn orders a model's labels alphabetically.
ACTIONS: tuple[str, ...] = tuple(sorted(get_args(ResponseAction)))
RULES_SAY = "rules say "
FLAG = "flag "
_WORDS = ("word: ", "pair: ")


def action_features(mention: Mention, ruled: str) -> dict[str, float]:
    """Everything `recommend` sees, named as an analyst would read it in a reason.

    Shared by training and scoring, so the two can never disagree on a feature."""
    found = words_and_pairs(_without_force_names(f"{mention.title}\n{mention.text}", mention))
    found.update({f"{FLAG}{flag}": 1.0 for flag in mention.risk_flags})
    found.update({f"topic {topic}": 1.0 for topic in mention.topics})
    if mention.toward_force is not None:
        found[f"toward force {mention.toward_force.label}"] = 1.0
        found["toward force score"] = mention.toward_force.score
    if mention.tone is not None:
        found["tone score"] = mention.tone.score
    if mention.relevance is not None:
        found[f"kept as {mention.relevance}"] = 1.0
    if mention.is_reply:
        found[REPLY] = 1.0
    if mention.in_area:
        found["in the force area"] = 1.0
    found[f"{RULES_SAY}{ruled}"] = 1.0
    return found


def _without_force_names(text: str, mention: Mention) -> str:
    """The force's own names say nothing about what to do: every mention kept as named has
    one, and whether a writer wrote "@LincsPolice" or "Lincs Police" is their habit. Learned,
    the handle tipped "@LincsPolice you never turned up last night" from put-it-right to
    monitor."""
    for term in mention.force_terms:
        text = re.sub(re.escape(term), " ", text, flags=re.IGNORECASE)
    return text


def distinct_words(found: dict[str, float]) -> int:
    return sum(name.startswith(_WORDS[0]) for name in found)


@dataclass(frozen=True)
class SecondOpinion:
    model: LinearModel
    # Actions the rules decide alone: the model is not asked when they apply.
    rules_always_win: frozenset[str]
    # Risk flags whose rules decide alone too, where their action is shared with rules the
    # model may overrule (a threat is moderated; a phone number the rules may misjudge).
    flags_always_win: frozenset[str]
    # Actions the model may recommend: the others only a rule can give, with its reason.
    model_chooses_from: frozenset[str]
    # How likely the model's action must be to overrule the rules; above 1, it never does.
    threshold: float
    # Overrule only where the text's words, not just the signals the rules already read,
    # tip the model away from the rules' action: the model is for phrasings rules miss.
    words_must_tip: bool
    # The model learned from posts and comments; an article longer than any text it saw is
    # beyond what it knows (its words would add up to a shout), so the rules judge it alone.
    most_words: int

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SecondOpinion:
        return _load(path)

    def overrules(self, mention: Mention, ruled: str) -> Weighing | None:
        """The model's verdict where it is sure enough to differ from the rules, else None;
        its strongest features are those that tipped it away from the rules' action."""
        if mention.by_force or ruled in self.rules_always_win:
            return None
        found = action_features(mention, ruled)
        weighed = self.model.weigh(found)
        if not self.convinced(weighed, found, ruled):
            return None
        tipping = [name for push, name in self._pushes(found, weighed.label, ruled)[:3] if push > 0]
        return replace(weighed, strongest=tuple(tipping))

    def convinced(self, weighed: Weighing, found: dict[str, float], ruled: str) -> bool:
        if ruled in self.rules_always_win or weighed.label == ruled:
            return False
        if any(f"{FLAG}{flag}" in found for flag in self.flags_always_win):
            return False
        if weighed.label not in self.model_chooses_from or distinct_words(found) > self.most_words:
            return False
        if weighed.probability[weighed.label] < self.threshold:
            return False
        if not self.words_must_tip:
            return True
        pushes = self._pushes(found, weighed.label, ruled)
        return sum(push for push, name in pushes if name.startswith(_WORDS)) > 0

    def _pushes(self, found: dict[str, float], label: str, ruled: str) -> list[tuple[float, str]]:
        """How far each feature favours `label` over `ruled`, strongest first."""
        mine, theirs = ACTIONS.index(label), ACTIONS.index(ruled)
        pushes = [
            (value * (weight[mine] - weight[theirs]), name)
            for name, value in found.items()
            if (weight := self.model.weights.get(name))
        ]
        return sorted(pushes, reverse=True)


def because(weighed: Weighing) -> str:
    """ "learned (74% sure): 'still waiting', topic response-times" — the model's reason."""
    named = [in_words(name, "", _KINDS) for name in weighed.strongest]
    # Whole percents, rounded down: "100% sure" would claim what a model cannot.
    sure = int(weighed.probability[weighed.label] * 100)
    return f"learned ({sure}% sure): {', '.join(named) or 'the words as a whole'}"


# The action model's own features as the desk reads them (learned.in_words); the rest
# ("topic response-times", "flag crime-reported") are named in words already.
_KINDS = {
    "toward force score": "its tone toward the force",
    "tone score": "its tone",
    **{f"toward force {label}": f"read as {label} toward the force" for label in LABELS},
}


@cache
def _load(path: Path) -> SecondOpinion:
    stored = json.loads(path.read_text(encoding="utf-8"))
    return SecondOpinion(
        model=LinearModel.load(path, ACTIONS),
        rules_always_win=frozenset(stored["rules_always_win"]),
        flags_always_win=frozenset(stored["flags_always_win"]),
        model_chooses_from=frozenset(stored["model_chooses_from"]),
        threshold=stored["threshold"],
        words_must_tip=stored["words_must_tip"],
        most_words=stored["most_words"],
    )
