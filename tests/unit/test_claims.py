"""Claims about how the force works: what the desk answers with the facts (correct-facts)."""

from pathlib import Path

import pytest
import yaml

from bench.evaluation import load_examples
from enrichment.claims import claims_about_force, load_claims
from enrichment.rule_files import LONG_TEXT, TaxonomyError

CLAIMS = {
    "money": [
        "Traffic cops get commission on every ticket they write",
        "The parking fines go straight into the chief constable's pocket",
        "Ringing 101 is a premium rate call, that's the scam",
    ],
    "stations-and-staff": [
        "Sleaford station is only open two days a week now",
        "The whole of East Lindsey only has 12 officers on at night",
        "Heard they're scrapping the PCSOs in the spring",
        "The mounted section got disbanded years ago",
    ],
    "rules": [
        "No point sending doorbell footage, they can't use it in court",
        "You cannot report a hate crime online, it's phone only",
        "They never investigate bike thefts at all",
        "Every officer in Lincoln carries guns now",
    ],
}
NEAR_MISSES = [
    "Paid the speeding fine online, took two minutes",
    "Officers from Sleaford station attended the fire",
    "Report it online or call 101, whichever is easier",
]


@pytest.mark.parametrize("kind", CLAIMS)
def test_each_kind_of_claim_is_found_in_the_ways_people_put_it(kind):
    assert [text for text in CLAIMS[kind] if not claims_about_force(text)] == []


def test_near_misses_state_no_claim():
    assert [text for text in NEAR_MISSES if claims_about_force(text)] == []


def test_each_claim_comes_with_its_kind_in_words():
    found = claims_about_force("Officers get a bonus for every arrest and the station is closed")
    assert len(found) == 2
    assert any("money" in d for d in found) and any("stations" in d for d in found)


def test_a_long_article_reports_rather_than_claims():
    article = "Sleaford station is only open two days a week now. " + "The council met. " * 80
    assert len(article) > 1_000
    assert claims_about_force(article) == ()


def test_a_malformed_claims_file_names_the_entry(tmp_path: Path):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": {"money": {"patterns": ["paid"]}}}))
    with pytest.raises(TaxonomyError, match=r"claims\.money.*description"):
        load_claims(path)
    path.write_text(yaml.safe_dump({"claims": {"money": {"description": "x", "patterns": ["(x"]}}}))
    with pytest.raises(TaxonomyError, match=r"\(x"):
        load_claims(path)


def test_screening_by_words_never_changes_a_claim():
    """Claims none of whose phrases' words are in a text are skipped; searching every
    claim's whole pattern in every labelled mention (and shouted) agrees."""
    claims = load_claims()
    texts = [e["text"] for e in load_examples()]
    for text in [*texts, *(t.upper() for t in texts), *(p for ps in CLAIMS.values() for p in ps)]:
        every = (
            ()
            if len(text) > LONG_TEXT
            else tuple(c.description for c in claims if c.pattern.search(text))
        )
        assert claims_about_force(text) == every, text
