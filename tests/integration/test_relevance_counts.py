"""A collect run keeps local talk about policing and says how many items it dropped, and why."""

import pytest
import yaml
from elasticsearch.helpers import scan

from earshot.app.collect import collect_source
from earshot.app.feed_server import FeedServer, Route
from earshot.core.paths import DEFAULT_PROFILE
from earshot.store.fields import RELEVANCE
from earshot.store.indices import MENTIONS
from listeners import load_profile
from tests.conftest import rss

ITEMS = [
    "Lincolnshire Police thank the public for their help",
    "Police appeal for witnesses after burglary in Grantham",
    "Humberside Police appeal for witnesses after a crash near Gainsborough",
    "The fashion police would have a field day at Lincoln Christmas Market",
    "Police appeal after a burglary in Peterborough",
    "Skegness pier reopens for the summer",
]


@pytest.mark.elasticsearch
def test_a_run_counts_what_it_dropped_by_reason_and_stores_why_it_kept_the_rest(
    es, tmp_path, monkeypatch
):
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
    items = [
        {"title": text, "link": f"https://news.example/{n}", "guid": f"https://news.example/{n}"}
        for n, text in enumerate(ITEMS)
    ]
    with FeedServer({"/feed": Route(rss(items))}) as server:
        profile |= {
            "demo": False,
            "sources": [{"kind": "rss", "name": "news", "url": server.url("/feed")}],
        }
        path = tmp_path / "profile.yaml"
        path.write_text(yaml.safe_dump(profile))
        monkeypatch.setenv("EARSHOT_PROFILE", str(path))
        report = collect_source(es, load_profile(), "news")

    assert (report.heard, report.new, report.not_about_force) == (6, 2, 4)
    assert report.dropped == {
        "not-about-policing": 1,
        "not-in-area": 1,
        "other-force": 1,
        "other-sense": 1,
    }
    es.indices.refresh(index=MENTIONS)
    stored = {h["_source"]["earshot"]["title"]: h["_source"] for h in scan(es, index=MENTIONS)}
    why = {title: doc["earshot"]["relevance"] for title, doc in stored.items()}
    assert why == {ITEMS[0]: "named", ITEMS[1]: "local-policing"}
    # Dropped after the relevance judgement alone, kept ones are still enriched whole.
    for doc in stored.values():
        assert {"tone", "toward_force", "response"} <= doc["earshot"].keys()
        assert doc["earshot"]["language"] == "en"
        assert doc["earshot"]["canonical_url"].startswith("https://news.example/")
    # A keyword field: analysts filter on it in Kibana and `earshot stats` counts by it.
    assert es.count(index=MENTIONS, query={"term": {RELEVANCE: "local-policing"}})["count"] == 1
