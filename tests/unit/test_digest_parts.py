"""The digest's pure parts, without servers: what of the public's words may appear, how
stories fold, Kibana links, the charts and the wording."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import unquote

from bench.digest_sample import sample_figures
from earshot.core.kibana_links import discover_url, flag_query
from earshot.digest.charts import draw
from earshot.digest.duplicates import fold, story_key
from earshot.digest.model import Span
from earshot.digest.privacy import neutral, safe_link, without_people
from earshot.digest.render import change, render, subject


def test_neutral_text_has_no_markup_controls_or_direction_tricks_and_is_clipped():
    assert neutral("<b>Bold</b>\tclaim\r\nSubject: fake\x00\x1b[31m red", 200) == (
        "Bold claim Subject: fake red"
    )
    assert neutral("abc\u202edcba\u2066x", 50) == "abcdcbax"
    assert neutral("one two three four five six", 14) == "one two three…"
    assert neutral("x" * 50, 10) == "x" * 9 + "…"
    assert neutral("y" * 70, 100) == "y" * 30 + "\u200b" + "y" * 30 + "\u200b" + "y" * 10
    assert neutral(None, 10) == "" and neutral("   ", 10) == ""


def test_a_1mb_post_is_clipped_quickly():
    started = time.perf_counter()
    clipped = neutral("Lincolnshire Police " + "A" * 1_000_000, 240)
    assert len(clipped.replace("\u200b", "")) == 240 and time.perf_counter() - started < 0.5


def test_authors_and_the_publics_handles_are_taken_out_but_the_forces_stay():
    text = (
        "Comment by Jane Doe: @jane_d and @pal@mastodon.example say @LincsPolice let JANE DOE down"
    )
    assert without_people(text, author="Jane Doe", force_handles=["@LincsPolice"]) == (
        "Comment by [author]: @[handle] and @[handle] say @LincsPolice let [author] down"
    )
    assert without_people("email me at a@b.example", author=None, force_handles=[]) == (
        "email me at a@b.example"
    )


def test_only_web_links_are_kept():
    assert safe_link("https://news.example/a?b=1") == "https://news.example/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "JaVaScRiPt:x", "//x", "http://a b"):
        assert safe_link(bad) is None, bad
    assert safe_link(None) is None


def test_reposts_fold_into_the_first_and_are_counted():
    assert story_key("RT @someone: Road CLOSED! https://t.example/1") == story_key("road closed")
    posts = [
        ("a", "Road closed at Riseholme"),
        ("b", "RT @x: Road closed at Riseholme https://t.example/2"),
        ("c", "Something else entirely"),
        ("d", "A third story"),
        ("e", "#lincs road closed at riseholme"),
    ]
    folded = fold(posts, lambda p: [story_key(p[1])], limit=2)
    assert [(p[0], similar) for p, similar in folded] == [("a", 2), ("c", 0)]


def test_any_shared_story_key_folds_two_posts():
    posts = [("a", ["cluster:1", "text:x"]), ("b", ["cluster:2", "text:x"]), ("c", ["cluster:2"])]
    assert [(p[0], n) for p, n in fold(posts, lambda p: p[1], limit=5)] == [("a", 2)]


def test_kibana_link_opens_discover_on_the_day_with_the_lucene_query():
    url = discover_url(
        "https://kibana.force.example",
        flag_query("personal-data"),
        datetime(2026, 10, 24, 23, tzinfo=UTC),
        datetime(2026, 10, 26, tzinfo=UTC),
    )
    assert url.startswith("https://kibana.force.example/app/discover#/?_g=")
    decoded = unquote(url)
    assert "time:(from:'2026-10-24T23:00:00.000Z',to:'2026-10-26T00:00:00.000Z')" in decoded
    assert "query:(language:'lucene',query:'earshot.risk_flags:\"personal-data\"')" in decoded
    assert "dataViewId:'earshot-data-view-mentions'" in decoded
    assert "query:'it!'s'" in unquote(
        discover_url("k", "it's", datetime.now(UTC), datetime.now(UTC))
    )


def test_the_sample_day_draws_four_charts_with_their_numbers_as_alt_text():
    charts = draw(sample_figures())
    assert [c.cid for c in charts] == [
        "tone-by-hour@earshot",
        "topics@earshot",
        "places@earshot",
        "sources@earshot",
    ]
    assert all(c.png.startswith(b"\x89PNG") and len(c.png) < 200_000 for c in charts)
    assert "roads 24" in charts[1].alt and "Lincoln 29" in charts[2].alt


def test_the_subject_gives_the_numbers_and_a_quiet_day_says_so():
    figures = sample_figures()
    assert subject(figures) == (
        "Earshot digest, Fri 20 Nov: 92 mentions, 39% negative, 23 needing a response"
    )
    quiet = replace(
        figures,
        headline=replace(figures.headline, day=Span(1, 1, 0, 0, 0)),
        flagged=0,
        risk_flags=(),
    )
    assert quiet.quiet and subject(quiet) == "Earshot digest, Fri 20 Nov: a quiet day (1 mention)"


def test_changes_read_as_direction_and_size():
    assert change(92, 60.0) == "▲ 32"
    assert change(0.39, 0.24, share=True) == "▲ 15 pts"
    assert change(5, 5.0) == "same" and change(None, 3) == ""
    assert change(3, 4.5) == "▼ 1.5"


def test_without_kibana_the_flag_queries_are_shown_to_search_by_hand():
    rendered = render(sample_figures(), (), kibana=None)
    assert "earshot.risk_flags:&#34;personal-data&#34;" in rendered.html
    assert "Search Kibana over this day for _exists_:earshot.risk_flags" in rendered.text
    assert "/app/discover" not in rendered.html + rendered.text
