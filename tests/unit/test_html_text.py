"""The text analysts read and enrichment sees of a feed item or a platform's HTML comment: its
words, a line per block, and nothing of the markup, whatever shape the markup is in."""

import pytest

from listeners.html_text import plain_text


def test_a_feed_body_keeps_its_words_a_line_per_block():
    body = (
        "<h2>Appeal&nbsp;for witnesses</h2><p>Police were called to <b>Monks Road</b>,\n"
        "Lincoln &amp; the A15.<br>Call 101.</p><ul><li>Ref 42</li><li>Ref 43</li></ul>"
        "<blockquote>I saw a car &#8211; a blue one</blockquote>"
    )
    assert plain_text(body) == (
        "Appeal for witnesses\nPolice were called to Monks Road, Lincoln & the A15.\n"
        "Call 101.\nRef 42\nRef 43\nI saw a car \N{EN DASH} a blue one"
    )


def test_what_a_page_never_shows_is_not_read_as_words():
    body = (
        "<head><title>Blog</title><style>p {}</style></head><script>var a = '<p>x</p>'</script>"
        "Lincoln<!-- a comment --> Police<?php echo 1; ?><noscript>enable JavaScript</noscript>"
        "<template><p>hidden</p></template>"
    )
    assert plain_text(body) == "Lincoln Police"


@pytest.mark.parametrize("nothing", ["", " ", "\n\t \u00a0", "<p></p><br>", "<!-- -->"])
def test_no_words_is_empty_text(nothing: str):
    assert plain_text(nothing) == ""


def test_text_without_markup_is_kept_as_written():
    assert plain_text("Fish & chips in Boston, 5 < 6, <3 Lincs Police") == (
        "Fish & chips in Boston, 5 < 6, <3 Lincs Police"
    )


def test_an_end_tag_with_nothing_open_still_ends_the_line():
    """Blog software leaves stray end tags: the words either side stay apart."""
    assert plain_text("Lincoln</div>Police said</p>more</br>end") == (
        "Lincoln\nPolice said\nmore\nend"
    )


def test_an_encoding_declared_inside_the_text_is_not_obeyed():
    """The text arrives already decoded: a declaration in it must not re-read it."""
    for declared in ('<meta charset="utf-16">', '<?xml version="1.0" encoding="latin-1"?>'):
        assert plain_text(f"{declared}<p>Café in Sleaford</p>") == "Café in Sleaford"


def test_characters_no_text_can_hold_become_replacement_characters():
    """A NUL, and half a surrogate pair (JSON can carry one), neither lose nor crash the post."""
    assert plain_text("Lincoln\x00Police \ud800Boston") == "Lincoln\ufffdPolice \ufffdBoston"


@pytest.mark.parametrize("markup", ["<![", "<![ spoilers", "<![<![<!["])
def test_a_marked_section_begun_by_the_public_is_read_not_crashed_on(markup: str):
    """html.parser raised AssertionError here, which failed the whole source's run."""
    assert plain_text(f"Lincoln Police {markup}") == "Lincoln Police"


def test_a_document_nested_deeper_than_any_page_keeps_its_words():
    """Past the depth limit the rest is read afresh; no words are lost or cut."""
    assert plain_text("<div><b>" * 5_000 + "Lincoln Police" + "</b></div>" * 5_000) == (
        "Lincoln Police"
    )
