"""Sources a force may ask for that no lawful API lets Earshot hear are refused by the
profile check, saying why, instead of "unknown kind" or a listener that never hears."""

import pytest

from earshot.core.profile import ProfileError
from listeners import load_profile


def test_a_tiktok_source_is_refused_in_one_line_saying_the_research_api_is_for_academics(
    write_profile,
):
    """TikTok's Research API (https://developers.tiktok.com/products/research-api/) is open to
    academic researchers at non-profit universities only; it has no other search API."""
    path = write_profile(
        [
            {"kind": "rss", "name": "force-news", "url": "https://news.example/feed"},
            {"kind": "tiktok", "name": "tiktok", "search": ["Lincolnshire Police"]},
        ]
    )
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    (line,) = str(e.value).splitlines()
    assert line.startswith(f"{path}: sources.1: ")
    assert "Research API" in line
    assert "for academic researchers only" in line
