"""The story key: one article on one site, however a feed wrote its headline."""

from earshot.core.near_duplicates import story_key
from earshot.core.pseudonym import keyed_hash


def test_the_publishers_site_and_its_article_link_give_one_key_whatever_the_quotes():
    from_google = story_key("https://www.lincolnshirelive.co.uk", "Boston man’s car set alight")
    from_publisher = story_key(
        "https://lincolnshirelive.co.uk/news/local-news/boston-car-fire-123?utm_source=rss",
        "Boston man's car set alight!",
    )
    assert from_google == from_publisher is not None


def test_another_site_or_another_headline_is_another_story():
    headline = "Police appeal after Boston break-in"
    key = story_key("https://lincolnshirelive.co.uk", headline)
    assert key != story_key("https://bostonstandard.co.uk", headline)
    assert key != story_key("https://lincolnshirelive.co.uk", "Police appeal after Louth break-in")


def test_no_key_without_a_site_or_for_a_column_title():
    assert story_key(None, "Police appeal after Boston break-in") is None
    assert story_key("https://lincolnshirelive.co.uk", "Court news") is None


def test_the_key_names_no_one_and_is_the_sites_headline_keyed_hashed():
    """A comment feed's headline names the commenter; the key is kept where the title lost it."""
    key = story_key("https://news.example/appeal#comment-7", "Comment on Boston appeal by Jane Doe")
    assert key == keyed_hash("news.example comment on boston appeal by jane doe")
