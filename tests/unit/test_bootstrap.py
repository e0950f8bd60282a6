"""make eval's intervals: reproducible from the printed seed, and as wide as the data is thin."""

from bench.bootstrap import Bootstrap


def judged(right: int, wrong: int) -> list[tuple[set[str], set[str]]]:
    return [({"negative"}, {"negative"})] * right + [({"negative"}, {"positive"})] * wrong


def test_the_same_seed_gives_the_same_interval():
    pairs = judged(30, 10)
    assert str(Bootstrap(40, seed=7).scores(pairs, "negative").recall) == str(
        Bootstrap(40, seed=7).scores(pairs, "negative").recall
    )


def test_the_interval_surrounds_the_figure_on_the_rows_as_they_are():
    recall = Bootstrap(40).scores(judged(30, 10), "negative").recall
    assert recall.value == 0.75
    assert recall.low < 0.75 < recall.high


def test_fewer_examples_give_a_wider_interval():
    few = Bootstrap(8).scores(judged(6, 2), "negative").recall
    many = Bootstrap(80).scores(judged(60, 20), "negative").recall
    assert few.value == many.value
    assert few.high - few.low > many.high - many.low


def test_a_judge_right_every_time_has_no_spread():
    f1 = Bootstrap(20).macro_f1(judged(20, 0), ["negative"])
    assert (f1.value, f1.low, f1.high) == (1.0, 1.0, 1.0)


def test_a_difference_between_two_judges_is_paired_on_the_same_rows():
    better = judged(30, 10)
    gain = Bootstrap(40).difference(better, better, ["negative", "positive"])
    assert (gain.value, gain.low, gain.high) == (0.0, 0.0, 0.0)
