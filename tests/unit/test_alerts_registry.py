"""The alert rules registry: every rule is checked before any evaluation runs, and a rule
that could not run, or an alert whose rule is gone, is refused with what is wrong."""

from __future__ import annotations

from datetime import datetime

import pytest

from earshot.alerts.quiet import SourceQuiet
from earshot.alerts.registry import RULES, RuleError, registry, rule_named, validated
from earshot.alerts.rule import DetectionRule, Situation


class Loud(DetectionRule):
    name = "loud"
    headline = "Talk is loud"
    options = frozenset({"min_count"})

    def detect(self, es, profile, now: datetime) -> list[Situation]:
        return []

    def message(self, situation: Situation) -> str:
        return "loud"


def test_every_registered_rule_is_validated_under_the_name_its_alerts_store():
    assert set(RULES) == {"negative-spike", "source-quiet"}
    for name, rule in RULES.items():
        assert validated(rule) is rule and rule.name == name
        assert rule_named(name) is rule


def test_a_rule_reading_a_setting_the_profile_lacks_is_refused():
    class Typo(Loud):
        options = frozenset({"min_count", "min_cuont"})

    with pytest.raises(RuleError, match=r"'loud' reads alerts\.min_cuont, which the profile"):
        registry(Typo())


def test_a_rule_missing_part_of_the_protocol_is_refused_naming_what_it_lacks():
    class Halfway:
        name = "halfway"
        headline = "Half a rule"

        def detect(self, es, profile, now):
            return []

    lacks = "'halfway' lacks counted, covers, is_calm, message, options, watched"
    with pytest.raises(RuleError, match=lacks):
        registry(Halfway())


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"name": "Loud Talk"}, "name 'Loud Talk' is not lower-case-with-hyphens"),
        ({"headline": " "}, "'loud' has no headline"),
    ],
)
def test_a_rule_without_a_usable_name_or_headline_is_refused(changes, complaint):
    rule = type("Changed", (Loud,), changes)()
    with pytest.raises(RuleError, match=complaint):
        registry(rule)


def test_two_rules_with_one_name_are_refused():
    with pytest.raises(RuleError, match="repeated: source-quiet"):
        registry(SourceQuiet(), Loud(), SourceQuiet())


def test_an_alert_whose_rule_is_no_longer_registered_says_so():
    with pytest.raises(RuleError, match="no alert rule 'retired-rule' is registered"):
        rule_named("retired-rule")
