"""The recommended response: the first rule that applies, in the order UK police comms
teams use (after the US Air Force web posting response assessment), with a priority
and reasons an analyst can read. Each rule is one line of RULES: reorder or add there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from earshot.core.model import Mention, Response, ResponseAction
from enrichment.action_model import SecondOpinion, because
from enrichment.claims import claims_about_force

# Topics where a misleading claim can hurt someone, so a correction cannot wait.
HARM_TOPICS = {"incident", "violent-crime", "missing-person", "possession-of-weapons"}
SERVICE_TOPICS = {
    "contact-999-101",
    "response-times",
    "officer-conduct",
    "custody",
    "stop-and-search",
}
# How much likelier negative than positive a text judged neutral must be to count against
# the force in a service complaint.
LEANING = 0.3


@dataclass(frozen=True)
class Rule:
    action: ResponseAction
    priority: int
    applies: Callable[[Mention], bool]
    reason: str


def _flag(name: str) -> Callable[[Mention], bool]:
    return lambda m: name in m.risk_flags


def _negative(m: Mention) -> bool:
    return m.toward_force is not None and m.toward_force.label == "negative"


def _harmful_misinformation(m: Mention) -> bool:
    alarming = m.tone is not None and m.tone.score <= -0.3
    return "possible-misinformation" in m.risk_flags and (
        alarming or bool(HARM_TOPICS & set(m.topics))
    )


def _claim(m: Mention) -> bool:
    return bool(claims_about_force(f"{m.title}\n{m.text}"))


def _leans_against(m: Mention) -> bool:
    """Judged negative, or neutral but clearly leaning negative (at least 0.3 likelier
    negative than positive): "you never turned up last night" is a complaint even where the
    judge is unsure of its tone. The margin leaves the dev split's actions as they were."""
    judged = m.toward_force
    return judged is not None and judged.label != "positive" and judged.score <= -LEANING


def _service_complaint(m: Mention) -> bool:
    """A service topic raised against the force. Advice to "call Lincs Police" or an appeal
    naming 101 is about the service without complaining of it, and "you can't report online"
    is a claim about how it works, to answer with the facts."""
    topics = set(m.topics)
    complaint = _leans_against(m) and bool(SERVICE_TOPICS & topics) and "appeal" not in topics
    return complaint and not _claim(m)


def _positive(m: Mention) -> bool:
    return (m.toward_force is not None and m.toward_force.label == "positive") or (
        "praise-thanks" in m.topics and not _negative(m)
    )


RULES: tuple[Rule, ...] = (
    Rule("no-action", 0, lambda m: m.by_force, "the force's own post, not a public mention"),
    Rule(
        "contact-handling",
        95,
        _flag("crime-reported"),
        "reports a crime or welfare concern on social media: route to 999/101 contact handling",
    ),
    Rule(
        "moderate-preserve",
        90,
        _flag("threat-to-staff"),
        "threatens officers or staff: preserve it and hand to investigations",
    ),
    Rule(
        "moderate-preserve",
        80,
        _flag("identifies-person"),
        "identifies a victim, witness or child: preserve and remove",
    ),
    Rule(
        "moderate-preserve",
        70,
        _flag("abuse-discrimination"),
        "abusive or discriminatory: preserve and moderate under the house rules",
    ),
    Rule(
        "refer-to-investigator",
        80,
        _flag("could-prejudice-case"),
        "could prejudice a case: don't engage on substance; refer to the investigating officer",
    ),
    Rule(
        "escalate",
        85,
        _harmful_misinformation,
        "possible misinformation that could cause harm: correct the facts and escalate",
    ),
    # Before personal data: a complaint that gives the writer's own email or phone number
    # to be called back is still a complaint to put right (and the data is still hidden).
    Rule(
        "put-it-right",
        60,
        _service_complaint,
        "complains about the service: put it right, or signpost the complaints process",
    ),
    Rule(
        "moderate-preserve",
        60,
        _flag("personal-data"),
        "shares personal data: hide it and keep a copy",
    ),
    Rule(
        "correct-facts",
        45,
        _flag("possible-misinformation"),
        "may be factually wrong: correct it with the facts",
    ),
    Rule(
        "correct-facts",
        45,
        _claim,
        "states how the force works (its money, stations, numbers or rules): check it and "
        "correct it with the facts",
    ),
    Rule(
        "monitor",
        25,
        _negative,
        "negative about the force with no specific complaint: monitor only",
    ),
    Rule("thank", 15, _positive, "praises the force: thank and share"),
)

NO_ACTION = Response(action="no-action", priority=0, reasons=("nothing here needs a response",))
# An action the learned model chooses is as urgent as the first rule that gives it.
PRIORITY = {rule.action: rule.priority for rule in reversed(RULES)}


def recommend(mention: Mention, evidence: tuple[str, ...] = ()) -> Response:
    """The rules decide; the learned model overrules them where it is sure enough (a
    phrasing no rule was written for), naming the features that made it sure.
    `evidence`: why each risk flag was raised and why the post reads for or against the
    force, in words, so the desk can judge them."""
    ruled = by_rules(mention, evidence)
    weighed = SecondOpinion.load().overrules(mention, ruled.action)
    if weighed is None:
        return ruled
    return Response(
        action=weighed.label,
        priority=_urgency(PRIORITY[weighed.label], mention),
        reasons=(
            because(weighed),
            f"the rules alone said {ruled.action}: {ruled.reasons[0]}",
            *evidence,
        ),
    )


def by_rules(mention: Mention, evidence: tuple[str, ...] = ()) -> Response:
    """The first rule that applies sets the action; later risk rules that apply add
    their reasons (the catch-alls, monitor and thank, add nothing to a real action)."""
    applying = [rule for rule in RULES if rule.applies(mention)]
    if not applying:
        return NO_ACTION
    first, *others = applying
    extra = [rule.reason for rule in others if rule.action not in {"monitor", "thank"}]
    return Response(
        action=first.action,
        priority=_urgency(first.priority, mention),
        reasons=tuple(dict.fromkeys([first.reason, *extra, *evidence])),
    )


def _urgency(priority: int, mention: Mention) -> int:
    return min(priority + (5 if mention.in_area else 0), 100)
