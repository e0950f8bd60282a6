from enrichment.language import UNDETERMINED, language


def test_english_polish_romanian_and_welsh_posts_are_told_apart():
    assert language("Thank you officers for the quick response last night") == "en"
    assert language("Dziękuję policji za szybką pomoc w Bostonie") == "pl"
    assert language("Mulțumesc poliției pentru ajutorul de aseară") == "ro"
    assert language("Diolch i Heddlu Swydd Lincoln am eu help neithiwr") == "cy"


def test_too_short_to_tell_is_undetermined_not_guessed():
    assert language("lol") == UNDETERMINED
    assert language("101!!! 😡") == UNDETERMINED
