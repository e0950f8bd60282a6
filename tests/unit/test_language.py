from enrichment.language import UNDETERMINED, language


def test_english_polish_romanian_and_welsh_posts_are_told_apart():
    assert language("Thank you officers for the quick response last night") == "en"
    assert language("Dziękuję policji za szybką pomoc w Bostonie") == "pl"
    assert language("Mulțumesc poliției pentru ajutorul de aseară") == "ro"
    assert language("Diolch i Heddlu Swydd Lincoln am eu help neithiwr") == "cy"


def test_too_short_to_tell_is_undetermined_not_guessed():
    assert language("lol") == UNDETERMINED
    assert language("101!!! 😡") == UNDETERMINED


def test_posts_typed_without_accents_are_still_told_apart_from_english():
    """English's common words settle plain English at once; "to", "in" and "a" are also
    Polish, Romanian and Spanish words, so these still go to the detector."""
    assert language("Thanks to the police for the help last night, it was quick") == "en"
    assert language("Dziekuje policji za szybka pomoc w Bostonie, to jest super") == "pl"
    assert language("Multumesc politiei pentru ajutorul de aseara, a fost in regula") == "ro"
    assert language("Gracias a la policia por la ayuda de anoche, fue muy rapido") == "es"


def test_short_english_tweets_are_english_not_undetermined():
    """Real tweets (the VADER set, tests/data/vader_tweets_ground_truth.tsv, MIT) that lingua's
    full detector alone leaves undetermined; its quick mode settles them."""
    assert language("Oh Yay! Butler won! I love it when Florida loses :D") == "en"
    assert language("Blah blah blah. Snow. More snow. Blah blah blah.") == "en"
    assert language("I feel funny. Funny strange not funny haha.") == "en"
