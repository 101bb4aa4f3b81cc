"""How sure a run is: intervals and verdicts for every comparison the book draws.

Every sentence of the book that compares runs ("beats", "wider", "helps") takes its word
from a verdict made here, and its numbers from the interval behind the verdict. A direction
word appears only where the interval excludes zero; otherwise the words say that the run
cannot tell. Lesson 3's section "Is the difference real?" teaches the ideas.

What the book compares, and the method for each:

- one accuracy on ``n`` images: :func:`accuracy`, Wilson's score interval
  (SciPy's ``binomtest(...).proportion_ci(method="wilson")``);
- two trained models scored on the *same* images: :func:`paired_difference`, the difference
  of their accuracies with Newcombe's interval for paired proportions (Newcombe 1998, Statistics
  in Medicine 17, 2635-2650, method 10: Wilson intervals of each accuracy, squared and added,
  with the correlation between the two), and the exact McNemar test (a two-sided binomial test
  on the images that exactly one model gets right);
- one accuracy against another on *different* images (training against validation images,
  one dataset against another): :func:`independent_difference`, Newcombe's hybrid score
  interval; a change of such a gap between two networks: :func:`difference_of_estimates`
  (MOVER, Zou & Donner 2008);
- two models' per-image losses on the same images: :func:`paired_mean_difference`, the
  paired t interval;
- two training *recipes*, each run with several seeds: :func:`recipe_difference`, the
  difference of the mean metrics with Welch's t interval (at least 3 seeds a recipe);
- several comparisons at once ("all four CNNs beat both MLPs"): :func:`holm`, Holm's step-down
  correction of their p-values (Holm 1979, Scandinavian Journal of Statistics 6, 65-70);
- "the validation loss is lowest at epoch m, then rises": :func:`rises_after_minimum`, the
  Mann-Kendall trend test (Kendall's tau against the epoch) on the curve from its minimum on.

Each returns an :class:`Estimate`, whose :meth:`Estimate.verdict` picks the words.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .numbers import number

CONFIDENCE = 0.95


class StatsError(ValueError):
    """The data cannot support the requested comparison (too few runs, mismatched images)."""


@dataclass(frozen=True)
class Estimate:
    """A number with its interval: ``value`` in ``[low, high]`` at ``confidence``.

    ``p_value`` is the test's two-sided p-value where there is a test (None for a single
    accuracy); ``method`` names the method, for captions and the records of what changed.
    """

    value: float
    low: float
    high: float
    method: str
    p_value: float = None
    n: int = None
    confidence: float = CONFIDENCE

    @property
    def decided(self) -> bool:
        """True when the interval excludes zero: the run tells the direction."""
        return self.low > 0 or self.high < 0

    @property
    def direction(self) -> int:
        """+1 (surely above zero), -1 (surely below) or 0 (this run cannot tell)."""
        return 0 if not self.decided else (1 if self.low > 0 else -1)

    def verdict(self, above, below, undecided):
        """The words for this estimate: ``above`` or ``below`` only when the interval
        excludes zero, ``undecided`` otherwise (say there that the run cannot tell)."""
        return {1: above, -1: below, 0: undecided}[self.direction]

    def scaled(self, factor):
        """The same estimate in other units, e.g. ``scaled(100)`` for percentage points."""
        return Estimate(self.value * factor, self.low * factor, self.high * factor,
                        self.method, self.p_value, self.n, self.confidence)

    def interval_text(self, digits=1, signed=True, unit=""):
        """``"-1.1 to +2.3"`` (the interval, for "95 % interval ...")."""
        spec = f"{'+' if signed else ''}.{digits}f"
        low, high = (number(v, spec) for v in (self.low, self.high))
        return f"{low} to {high}{unit}"

    def text(self, digits=1, unit=" points", signed=True):
        """``"+1.2 points (95 % interval -0.4 to +2.8)"``: the value and its interval."""
        spec = f"{'+' if signed else ''}.{digits}f"
        return (f"{number(self.value, spec)}{unit} "
                f"({self.confidence:.0%} interval {self.interval_text(digits, signed)})"
                .replace("%", " %", 1))


def _correct(vector, name):
    array = np.asarray(vector)
    if array.ndim != 1 or array.size == 0:
        raise StatsError(f"{name}: expected a 1-D vector of per-image results, "
                         f"got shape {array.shape}")
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        raise StatsError(f"{name}: expected True/False (or 0/1) per image: was each "
                         f"prediction compared with its label?")
    return array.astype(bool)


def accuracy(correct, confidence=CONFIDENCE) -> Estimate:
    """The share of images classified correctly, with Wilson's score interval.

    ``correct`` holds one True/False per image (``predictions == labels``).
    """
    correct = _correct(correct, "correct")
    hits, n = int(correct.sum()), correct.size
    interval = stats.binomtest(hits, n).proportion_ci(confidence, method="wilson")
    return Estimate(hits / n, interval.low, interval.high, "Wilson score interval",
                    n=n, confidence=confidence)


def paired_difference(correct_a, correct_b, confidence=CONFIDENCE) -> Estimate:
    """Accuracy of model A minus accuracy of model B, both scored on the same images.

    Interval: Newcombe's method 10 for paired proportions; p-value: the exact McNemar test.
    Only the images that exactly one model gets right carry information about the
    difference; the images both get right (or both miss) do not, which is why a paired
    interval is much narrower than the two-independent-samples formula when the two models
    agree on most images.
    """
    a, b = _correct(correct_a, "correct_a"), _correct(correct_b, "correct_b")
    if a.shape != b.shape:
        raise StatsError(f"the two models were scored on different numbers of images "
                         f"({a.size} and {b.size}); a paired comparison needs the same images")
    both, only_a = int((a & b).sum()), int((a & ~b).sum())
    only_b, neither = int((~a & b).sum()), int((~a & ~b).sum())
    return paired_difference_from_counts(both, only_a, only_b, neither, confidence)


def paired_difference_from_counts(both, only_a, only_b, neither, confidence=CONFIDENCE):
    """:func:`paired_difference` from the four counts of the paired 2 x 2 table."""
    n = both + only_a + only_b + neither
    if n == 0:
        raise StatsError("no images to compare")
    hits_a, hits_b = both + only_a, both + only_b
    p_a, p_b = hits_a / n, hits_b / n
    ci_a = stats.binomtest(hits_a, n).proportion_ci(confidence, method="wilson")
    ci_b = stats.binomtest(hits_b, n).proportion_ci(confidence, method="wilson")
    # Newcombe's correlation between the two accuracies, with his continuity adjustment
    margins = hits_a * (n - hits_a) * hits_b * (n - hits_b)
    cross = both * neither - only_a * only_b
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:
        phi = (cross - n / 2 if cross > n / 2 else cross) / np.sqrt(margins)
    down_a, up_a = p_a - ci_a.low, ci_a.high - p_a
    down_b, up_b = p_b - ci_b.low, ci_b.high - p_b
    difference = p_a - p_b
    low = difference - np.sqrt(max(down_a**2 - 2 * phi * down_a * up_b + up_b**2, 0))
    high = difference + np.sqrt(max(up_a**2 - 2 * phi * up_a * down_b + down_b**2, 0))
    discordant = only_a + only_b
    p_value = (stats.binomtest(only_a, discordant, 0.5).pvalue if discordant else 1.0)
    return Estimate(difference, float(low), float(high),
                    "Newcombe's paired interval; exact McNemar test",
                    p_value=float(p_value), n=n, confidence=confidence)


def independent_difference(correct_a, correct_b, confidence=CONFIDENCE) -> Estimate:
    """Accuracy on one set of images minus accuracy on *another* (e.g. training against
    validation images, or MNIST against Fashion-MNIST).

    Newcombe's hybrid score interval for independent proportions (Newcombe 1998, Statistics
    in Medicine 17, 873-890, method 10): the two Wilson intervals, squared and added.
    """
    return difference_of_estimates(accuracy(correct_a, confidence),
                                   accuracy(correct_b, confidence))


def difference_of_estimates(a, b) -> Estimate:
    """``a - b`` for two estimates made from independent data, each with its own interval.

    The MOVER method (Zou & Donner 2008, Statistics in Medicine 27, 1693-1702): the limits
    of each estimate are recovered from its own interval and combined by squaring and adding;
    with two Wilson intervals it is Newcombe's hybrid score interval. It is how a change of a
    *gap* is judged: (training - validation) of one network against that of another, where
    the training and the validation parts are paired comparisons on different image sets.
    """
    difference = a.value - b.value
    low = difference - np.hypot(a.value - a.low, b.high - b.value)
    high = difference + np.hypot(a.high - a.value, b.value - b.low)
    return Estimate(float(difference), float(low), float(high),
                    f"MOVER difference of ({a.method}) and ({b.method})",
                    n=(a.n or 0) + (b.n or 0) or None, confidence=a.confidence)


def paired_mean_difference(values_a, values_b, confidence=CONFIDENCE) -> Estimate:
    """Mean of ``values_a - values_b`` over the same images (e.g. two models' per-image
    losses), with the paired t interval."""
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise StatsError(f"paired values need the same images: shapes {a.shape} and "
                         f"{b.shape}")
    result = stats.ttest_rel(a, b)
    interval = result.confidence_interval(confidence)
    return Estimate(float((a - b).mean()), float(interval.low), float(interval.high),
                    "paired t interval over images", p_value=float(result.pvalue),
                    n=int(a.size), confidence=confidence)


def recipe_difference(runs_a, runs_b, confidence=CONFIDENCE) -> Estimate:
    """Mean metric of recipe A minus that of recipe B, over independent seeds of each.

    Welch's t interval for the difference of means (unequal variances). A claim about a
    recipe ("dropout helps") needs several seeds of each: one run of each can only say
    something about those two trained networks (use :func:`paired_difference` for that).
    """
    a, b = np.asarray(runs_a, dtype=float), np.asarray(runs_b, dtype=float)
    if a.size < 3 or b.size < 3:
        raise StatsError(f"a recipe comparison needs at least 3 seeds of each recipe "
                         f"(got {a.size} and {b.size})")
    result = stats.ttest_ind(a, b, equal_var=False)
    interval = result.confidence_interval(confidence)
    return Estimate(float(a.mean() - b.mean()), float(interval.low), float(interval.high),
                    f"Welch's t interval over {a.size} and {b.size} seeds",
                    p_value=float(result.pvalue), n=int(a.size + b.size),
                    confidence=confidence)


def holm(p_values, alpha=1 - CONFIDENCE):
    """Holm's step-down correction: ``(adjusted p-values, rejected)`` in the input order.

    With k comparisons, the smallest p-value is compared with alpha/k, the next with
    alpha/(k-1), and so on, stopping at the first that fails; the family's chance of any
    false "beats" stays below alpha.
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    k = p.size
    adjusted_sorted = np.maximum.accumulate((k - np.arange(k)) * p[order]).clip(max=1.0)
    adjusted = np.empty(k)
    adjusted[order] = adjusted_sorted
    return adjusted, adjusted <= alpha


def rises_after_minimum(losses, confidence=CONFIDENCE) -> Estimate:
    """Does a learning curve rise after its lowest point, beyond its epoch-to-epoch zigzag?

    Method: the epochs from the curve's minimum to its end are tested for an upward trend
    with the Mann-Kendall test (Kendall's tau of the loss against the epoch; Mann 1945,
    Econometrica 13, 245-259). The estimate's value is the rise from the minimum to the mean
    of the last three epochs, and its interval is that rise plus or minus the t-interval of
    the last three epochs' mean (their scatter stands for the zigzag). It is decided (a real
    rise) only when the trend test rejects "no trend" at 1 - confidence and the interval
    excludes zero. At least 4 epochs after the minimum are needed to tell.
    """
    curve = np.asarray(losses, dtype=float)
    best = int(np.argmin(curve))
    tail = curve[best:]
    last = curve[-3:]
    rise = float(last.mean() - curve[best])
    if tail.size < 5:
        return Estimate(rise, -np.inf, np.inf, "too few epochs after the minimum to tell",
                        p_value=1.0, n=int(tail.size), confidence=confidence)
    tau = stats.kendalltau(np.arange(tail.size), tail)
    half = stats.t.ppf(0.5 + confidence / 2, last.size - 1) * last.std(ddof=1) / np.sqrt(last.size)
    trend_p = float(tau.pvalue) if tau.statistic > 0 else 1.0
    low, high = rise - half, rise + half
    if trend_p > 1 - confidence:         # no significant trend: the interval must say so
        low = min(low, 0.0)
    return Estimate(rise, float(low), float(high),
                    f"Mann-Kendall trend test over the {tail.size} epochs from the minimum",
                    p_value=trend_p, n=int(tail.size), confidence=confidence)


def shift_between_builds(old_value, old_low, old_high, new_value, new_low, new_high,
                         confidence=CONFIDENCE) -> Estimate:
    """How far a number moved between two builds, with an interval from both builds' intervals.

    Each build's interval gives a standard error (half its width over the normal quantile);
    the two builds are combined as independent runs, ``sqrt(se_old**2 + se_new**2)``. That is
    conservative where both builds scored the same images (their errors are then positively
    correlated, and the true interval is narrower): a shift this method calls beyond the noise
    is beyond it.
    """
    z = stats.norm.ppf(0.5 + confidence / 2)
    se_old, se_new = (old_high - old_low) / (2 * z), (new_high - new_low) / (2 * z)
    shift = new_value - old_value
    half = z * np.hypot(se_old, se_new)
    p_value = (2 * stats.norm.sf(abs(shift) / np.hypot(se_old, se_new))
               if se_old or se_new else float(shift == 0))
    return Estimate(float(shift), float(shift - half), float(shift + half),
                    "difference of two builds' estimates, combined as independent",
                    p_value=float(p_value), confidence=confidence)
