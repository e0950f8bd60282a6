"""The alert rules Earshot runs, by name: adding a rule is its module and one line here.

Every rule is checked as the registry is built, at import, so a rule with no name, no
headline, a missing method or a setting the profile does not have fails before any
evaluation runs, naming the rule and what is wrong.
"""

from __future__ import annotations

import inspect
import re

from earshot.alerts.quiet import SourceQuiet
from earshot.alerts.rule import DetectionRule
from earshot.alerts.spike import NegativeSpike
from earshot.core.errors import EarshotError
from earshot.core.profile import AlertSettings

NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
MEMBERS = sorted(
    {*DetectionRule.__annotations__}
    | {n for n, v in vars(DetectionRule).items() if inspect.isfunction(v) and n[0] != "_"}
)


class RuleError(EarshotError, ValueError):
    """An alert rule cannot run as written, or an alert names a rule Earshot no longer has."""


def validated(rule: DetectionRule) -> DetectionRule:
    """The rule, once it is known to have everything the lifecycle and notifications ask."""
    name = getattr(rule, "name", None)
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise RuleError(f"alert rule {rule!r}: name {name!r} is not lower-case-with-hyphens")
    missing = [m for m in MEMBERS if not hasattr(rule, m)]
    if missing:
        raise RuleError(f"alert rule {name!r} lacks {', '.join(missing)}")
    if not rule.headline.strip():
        raise RuleError(f"alert rule {name!r} has no headline")
    unknown = sorted(set(rule.options) - set(AlertSettings.model_fields))
    if unknown:
        raise RuleError(
            f"alert rule {name!r} reads alerts.{', alerts.'.join(unknown)}, which the profile "
            f"has no setting for"
        )
    return rule


def registry(*rules: DetectionRule) -> dict[str, DetectionRule]:
    names = [rule.name for rule in map(validated, rules)]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise RuleError(f"alert rule names must be unique; repeated: {', '.join(doubled)}")
    return dict(zip(names, rules, strict=True))


RULES = registry(
    NegativeSpike(),
    SourceQuiet(),
)


def rule_named(name: str) -> DetectionRule:
    try:
        return RULES[name]
    except KeyError:
        raise RuleError(
            f"no alert rule {name!r} is registered (known: {', '.join(RULES)}); "
            "its alerts cannot be judged until it is"
        ) from None
