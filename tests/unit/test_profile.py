import re
import time
from pathlib import Path

import pytest

from earshot.core.paths import DEFAULT_PROFILE
from earshot.core.profile import ProfileError
from listeners import load_profile
from listeners.rss import RssSource


def test_demo_profile_loads_lincolnshire_police_with_its_campaigns():
    profile = load_profile(DEFAULT_PROFILE)
    assert profile.force.name == "Lincolnshire Police"
    assert "@LincsPolice" in profile.force.handles
    assert {c.name for c in profile.force.campaigns} == {"Operation NOVA", "Bobby Bear"}
    # The demo hears four kinds of source.
    assert {s.kind for s in profile.sources} == {"rss", "news_search", "mastodon", "bluesky"}


def _profile_text(**overrides: str) -> str:
    parts = {
        "force": "force:\n  name: Lincolnshire Police\n  handles: ['@LincsPolice']\n",
        "area": "area:\n  name: Lincolnshire\n"
        "  boundary: [[53.3, -0.6], [52.9, -0.4], [53.1, 0.3]]\n",
        "sources": "sources:\n  - kind: rss\n    name: news\n    url: https://news.example/feed\n",
    }
    parts.update(overrides)
    return "".join(parts.values())


def _load(tmp_path: Path, text: str):
    path = tmp_path / "force.yaml"
    path.write_text(text)
    return path, lambda: load_profile(path)


def test_minimal_profile_loads(tmp_path):
    _, load = _load(tmp_path, _profile_text())
    assert load().sources[0].keep == "mentions"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"area": ""}, "area: missing"),
        (
            {"force": "force:\n  name: Lincolnshire Police\n  handels: ['@LincsPolice']\n"},
            "force.handels: unknown key",
        ),
    ],
    ids=["missing", "mistyped"],
)
def test_bad_key_names_the_file_and_the_key(tmp_path, overrides, message):
    path, load = _load(tmp_path, _profile_text(**overrides))
    with pytest.raises(ProfileError) as e:
        load()
    assert str(path) in str(e.value)
    assert message in str(e.value)


def test_wrong_type_says_what_was_expected(tmp_path):
    text = _profile_text(sources="sources:\n  - kind: rss\n    name: news\n    url: not a url\n")
    _, load = _load(tmp_path, text)
    with pytest.raises(ProfileError, match=r"sources\.0\.rss\.url: .*URL"):
        load()


def test_handle_without_at_sign_is_refused(tmp_path):
    text = _profile_text(force="force:\n  name: Lincolnshire Police\n  handles: [LincsPolice]\n")
    _, load = _load(tmp_path, text)
    with pytest.raises(ProfileError, match=r"force\.handles\.0"):
        load()


def test_repeated_source_name_is_refused(tmp_path):
    source = "  - kind: rss\n    name: news\n    url: https://news.example/feed\n"
    _, load = _load(tmp_path, _profile_text(sources="sources:\n" + source * 2))
    with pytest.raises(ProfileError, match="repeated: news"):
        load()


def test_unreadable_yaml_names_the_file(tmp_path):
    path, load = _load(tmp_path, "force: [unclosed\n")
    with pytest.raises(ProfileError, match=re.escape(f"{path}: not valid YAML")):
        load()


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(ProfileError, match=r"nope\.yaml: cannot read"):
        load_profile(tmp_path / "nope.yaml")


def test_a_profile_not_saved_as_utf8_says_so_in_one_line(tmp_path):
    path = tmp_path / "force.yaml"
    path.write_bytes(
        _profile_text().replace("Lincolnshire", "Lincolnshire \u2013").encode("cp1252")
    )
    with pytest.raises(ProfileError, match=r"force\.yaml: not UTF-8 text \(byte 0x96") as e:
        load_profile(path)
    assert "\n" not in str(e.value)


def test_aliases_that_expand_to_billions_of_values_are_refused_at_once(tmp_path):
    """The "billion laughs": nine lines, each alias ten of the one before."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path, load = _load(tmp_path, _profile_text() + "\n".join(lines) + "\n")
    started = time.monotonic()
    with pytest.raises(ProfileError, match=r"expands to more than 100,000 values") as e:
        load()
    assert time.monotonic() - started < 2
    assert str(path) in str(e.value) and len(str(e.value)) < 300


def test_a_huge_wrong_value_is_shown_cut_short(tmp_path):
    huge = "x" * 100_000
    _, load = _load(tmp_path, _profile_text(force=f"force:\n  name: [{huge}]\n"))
    with pytest.raises(ProfileError, match=r"force\.name: .*\(got \['xxx") as e:
        load()
    assert len(str(e.value)) < 500


def test_each_source_is_read_as_its_listeners_model(tmp_path):
    _, load = _load(tmp_path, _profile_text())
    assert isinstance(load().sources[0], RssSource)


def test_a_news_sites_feed_and_a_news_search_are_read_as_news_and_other_feeds_are_not(tmp_path):
    """A local paper's own feed is marked `news: true`; a blog or a comment feed is not, and
    a news search's results are news whatever is said."""
    sources = (
        "sources:\n"
        "  - {kind: rss, name: paper, url: 'https://news.example/feed', news: true}\n"
        "  - {kind: rss, name: blog, url: 'https://blog.example/feed'}\n"
        "  - {kind: news_search, name: google, engine: google, terms: [Lincolnshire Police]}\n"
        "  - {kind: mastodon, name: toots, instance: 'https://m.example', hashtags: [x]}\n"
    )
    _, load = _load(tmp_path, _profile_text(sources=sources))
    assert [s.reads_as_news for s in load().sources] == [True, False, True, False]


def test_news_is_a_setting_of_feeds_only(tmp_path):
    sources = (
        "sources:\n  - {kind: mastodon, name: t, instance: 'https://m.example', hashtags: [x], "
        "news: true}\n"
    )
    _, load = _load(tmp_path, _profile_text(sources=sources))
    with pytest.raises(ProfileError, match=r"news: unknown key"):
        load()
