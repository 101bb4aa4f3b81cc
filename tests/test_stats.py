"""The statistics module against published worked examples and hand-computed cases."""

import math

import numpy as np
import pytest

from book import stats
from book.numbers import loss, percent, points


def test_newcombe_paired_interval_matches_the_published_example():
    # Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables (2017),
    # chapter 8: complete response before and after consolidation therapy (Cavo et al.
    # 2012), table (59, 6 / 16, 80); Newcombe's square-and-add interval -0.0621
    # (95 % CI -0.1186 to -0.0046).
    estimate = stats.paired_difference_from_counts(59, 6, 16, 80)
    assert round(estimate.value, 4) == -0.0621
    assert (round(estimate.low, 4), round(estimate.high, 4)) == (-0.1186, -0.0046)
    assert estimate.decided and estimate.direction == -1


def test_exact_mcnemar_is_the_binomial_tail_of_the_discordant_pairs():
    # by hand: 6 of 22 discordant pairs; P(X <= 6) for Binomial(22, 1/2) is
    # (1 + 22 + 231 + 1540 + 7315 + 26334 + 74613) / 2**22, doubled
    tail = sum(math.comb(22, k) for k in range(7)) / 2**22
    estimate = stats.paired_difference_from_counts(59, 6, 16, 80)
    assert estimate.p_value == pytest.approx(2 * tail, rel=1e-12)
    assert round(estimate.p_value, 4) == 0.0525


def test_paired_vectors_give_the_table_counts():
    a = np.array([1, 1, 1, 0, 0, 1], bool)
    b = np.array([1, 0, 1, 1, 0, 1], bool)
    from_vectors = stats.paired_difference(a, b)
    from_counts = stats.paired_difference_from_counts(3, 1, 1, 1)
    assert from_vectors == from_counts


def test_independent_formula_is_far_off_when_models_agree():
    # Two models that agree on 1,960 of 2,000 images and differ on 40 (30 against 10):
    # the paired interval excludes zero; the two-independent-samples standard error
    # (the formula the book used before) is about 2.6 times too wide and cannot tell.
    both, only_a, only_b, neither = 1790, 30, 10, 170
    n = 2000
    paired = stats.paired_difference_from_counts(both, only_a, only_b, neither)
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    independent_se = math.sqrt(p_a * (1 - p_a) / n + p_b * (1 - p_b) / n)
    paired_half_width = (paired.high - paired.low) / 2
    assert paired.decided
    assert p_a - p_b - 1.96 * independent_se < 0          # the wrong formula: no verdict
    assert 1.96 * independent_se > 2.5 * paired_half_width


def test_wilson_interval_by_hand():
    # Wilson (1927): centre (p + z^2/2n) / (1 + z^2/n), half-width
    # z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n); 81 of 263
    z, n, p = 1.959963984540054, 263, 81 / 263
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    estimate = stats.accuracy(np.arange(n) < 81)
    assert estimate.value == pytest.approx(p)
    assert (estimate.low, estimate.high) == pytest.approx((centre - half, centre + half))


def test_welch_interval_by_hand():
    a, b = np.array([0.90, 0.91, 0.92]), np.array([0.88, 0.885, 0.89])
    va, vb = a.var(ddof=1) / 3, b.var(ddof=1) / 3
    df = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 2)      # Welch-Satterthwaite
    from scipy.stats import t
    half = t.ppf(0.975, df) * math.sqrt(va + vb)
    estimate = stats.recipe_difference(a, b)
    assert estimate.value == pytest.approx(0.025)
    assert (estimate.low, estimate.high) == pytest.approx((0.025 - half, 0.025 + half))


def test_a_recipe_claim_needs_three_seeds():
    with pytest.raises(stats.StatsError, match="at least 3 seeds"):
        stats.recipe_difference([0.9, 0.91], [0.8, 0.81, 0.82])


def test_holm_matches_the_worked_example():
    # four p-values 0.01, 0.04, 0.03, 0.005 at alpha 0.05: sorted thresholds 0.0125,
    # 0.0167, 0.025, 0.05; the first two are rejected, the third fails, so it stops there
    adjusted, rejected = stats.holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert rejected.tolist() == [True, False, False, True]


@pytest.mark.parametrize("seed", range(5))
def test_a_u_shaped_curve_rises_after_its_minimum(seed):
    rng = np.random.default_rng(seed)
    epochs = np.arange(25)
    curve = 0.3 + 0.002 * (epochs - 8) ** 2 + rng.normal(0, 0.01, 25)
    assert stats.rises_after_minimum(curve).direction == 1


@pytest.mark.parametrize("seed", range(5))
def test_a_zigzag_that_keeps_falling_does_not_rise(seed):
    rng = np.random.default_rng(seed)
    epochs = np.arange(12)
    curve = 2.2 - 0.04 * epochs + rng.normal(0, 0.12, 12)
    assert stats.rises_after_minimum(curve).direction != 1


def test_too_short_a_tail_cannot_tell():
    assert not stats.rises_after_minimum([1.0, 0.8, 0.7, 0.75, 0.8]).decided


def test_verdict_words_follow_the_interval():
    up = stats.Estimate(0.02, 0.01, 0.03, "test")
    unsure = stats.Estimate(0.02, -0.01, 0.05, "test")
    words = dict(above="higher than", below="lower than", undecided="not told apart from")
    assert up.verdict(**words) == "higher than"
    assert unsure.verdict(**words) == "not told apart from"
    assert up.scaled(100).text() == "+2.0 points (95 % interval +1.0 to +3.0)"


def test_mismatched_images_are_refused_with_a_reason():
    with pytest.raises(stats.StatsError, match="same images"):
        stats.paired_difference([1, 0, 1], [1, 0])
    with pytest.raises(stats.StatsError, match="compared with its label"):
        stats.accuracy([0, 3, 1])


def test_numbers_for_people():
    assert percent(1.6e-58) == "< 0.01 %"
    assert percent(0.98765) == "98.8 %"
    assert loss(2.3e-7) == "2.3 \u00d7 10\u207b\u2077"
    assert loss(0.123456) == "0.1235"
    assert points(-0.0004) == "0.0 points"
    assert points(-0.0123) == "-1.2 points"


def test_newcombe_independent_interval_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17, 873-890, example (a): 56/70 against 48/80,
    # difference 0.2000, method 10 (hybrid score) interval 0.0524 to 0.3339
    estimate = stats.independent_difference(np.arange(70) < 56, np.arange(80) < 48)
    assert round(estimate.value, 4) == 0.2
    assert (round(estimate.low, 4), round(estimate.high, 4)) == (0.0524, 0.3339)


def test_paired_mean_difference_by_hand():
    a, b = np.array([0.30, 0.20, 0.50, 0.40]), np.array([0.25, 0.22, 0.41, 0.30])
    d = a - b
    from scipy.stats import t
    half = t.ppf(0.975, 3) * d.std(ddof=1) / 2
    estimate = stats.paired_mean_difference(a, b)
    assert (estimate.low, estimate.high) == pytest.approx((d.mean() - half, d.mean() + half))


def test_a_percent_sign_follows_its_number_after_a_space():
    from book.numbers import spaced_percent
    assert spaced_percent("96.6% and 95 % and 5%.") == "96.6\u00a0% and 95 % and 5\u00a0%."
