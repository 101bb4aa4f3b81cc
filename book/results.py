"""Results registry: the numbers of every experiment of the book, gathered at build time.

A lesson records an experiment right after running it::

    from book.results import record
    record("mnist-cnn-4", test_accuracy=0.991, test_loss=0.031, parameters=362922, epochs=3)

``record`` adds the device and the profile and glues the record (``book.glue``), hidden, as a JSON
string under the key ``result:<experiment>``. myst-nb writes every lesson's glued values to
``_build/jupyter_execute/lessons/<lesson>.glue.json``, whether the lesson ran or came from the
execution cache: that file carries the records out of the kernel (which writes no file itself).
At build time ``book.sphinx_ext``

- fills the ``{results-table}`` directive of the Results page: this build's numbers beside the
  reference numbers printed in the course material (``results/reference.yml``), and the
  expectations of that file checked against this build;
- writes one file per lesson, ``_build/html/results/<lesson>.json``::

      {"lesson": "07-mnist-architectures",
       "experiments": {"mnist-cnn-4": {"metrics": {"test_accuracy": 0.991, ...},
                                       "device": "CPU", "profile": "quick"}}}

An expectation of ``results/reference.yml`` compares two terms; a term is ``experiment.metric``,
a number, or a list of terms (their largest value)::

    - claim: The best CNN beats the 200-unit MLP on test accuracy
      left: [mnist-cnn-1.test_accuracy, mnist-cnn-4.test_accuracy]
      op: ">"                              # one of > >= < <=
      right: mnist-mlp-200.test_accuracy
      by: 0.01                             # optional margin: left > right + by (< : left < right - by)

An expectation whose numbers are missing from the build counts as violated.
"""

import ast
import json
import operator
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PREFIX = "result:"
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
METRIC = re.compile(r"[a-z_][a-z0-9_]*")
OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
# Columns of the Results page, most telling first: metric, heading, format. The JSON files have all.
COLUMNS = [
    ("test_accuracy", "test acc.", "{:.1%}"), ("test_loss", "test loss", "{:.3f}"),
    ("val_accuracy", "val. acc.", "{:.1%}"), ("train_accuracy", "train acc.", "{:.1%}"),
    ("samples", "training images", "{:,.0f}"), ("epochs", "epochs", "{:.0f}"),
    ("parameters", "parameters", "{:,.0f}"),
]


class ResultsError(ValueError):
    """A record or the reference file is malformed."""


def record(experiment, **metrics):
    """Glue this experiment's metrics (numbers or short texts) with device and profile; return the record."""
    from .glue import glue

    from .profile import current_profile
    from .runtime import device

    if not NAME.fullmatch(experiment):
        raise ResultsError(f"experiment name {experiment!r}: use lowercase letters, digits and '-'")
    clean = {}
    for name, value in metrics.items():
        if not METRIC.fullmatch(name):
            raise ResultsError(f"metric name {name!r}: use lowercase letters, digits and '_'")
        clean[name] = value if isinstance(value, str) else _number(value, f"{experiment}.{name}")
    entry = {"metrics": clean, "device": device(), "profile": current_profile().name}
    glue(PREFIX + experiment, json.dumps(entry), display=False)
    return entry


def record_comparison(name, estimate, unit="points", **metrics):
    """Record a comparison (a :class:`book.stats.Estimate`) as an experiment of its own.

    ``unit`` is ``"points"`` for a difference of two shares (shown x 100 on the Results page),
    or the unit of anything else (``"nats"`` for a loss). Its metrics are ``difference``,
    ``low``, ``high`` (the interval) and ``p_value``, so that an
    expectation of ``results/reference.yml`` can require the interval, not a point difference::

        - claim: The best CNN beats the best MLP (paired interval above zero)
          left: mnist-best-cnn-vs-best-mlp.low
          op: ">"
          right: 0
    """
    extra = {"p_value": estimate.p_value} if estimate.p_value is not None else {}
    return record(name, difference=estimate.value, low=estimate.low, high=estimate.high,
                  unit=unit, **extra, **metrics)


def _number(value, where):
    try:
        number = float(value)          # NumPy and TensorFlow scalars too
    except (TypeError, ValueError):
        raise ResultsError(f"{where} is {value!r}, not a number") from None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def read_records(glue_json):
    """``{experiment: record}`` from a lesson's ``.glue.json`` (empty when there is none)."""
    path = Path(glue_json)
    if not path.is_file():
        return {}
    glued = json.loads(path.read_text(encoding="utf-8"))
    return {key[len(PREFIX):]: json.loads(ast.literal_eval(value["data"]["text/plain"]))
            for key, value in glued.items() if key.startswith(PREFIX)}


def load_reference(path):
    """``results/reference.yml``: ``experiments`` (lesson, title, source, reference numbers) and
    ``expectations`` per profile (``all``, ``quick``, ``full``)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    experiments, expectations = data.get("experiments", {}), data.get("expectations", {})
    for name, entry in experiments.items():
        missing = {"lesson", "title", "source"} - set(entry)
        if not NAME.fullmatch(name) or missing:
            raise ResultsError(f"{path}: experiment {name!r} needs a valid name and {sorted(missing)}")
    for profile, claims in expectations.items():
        for claim in claims:
            if set(claim) - {"claim", "left", "op", "right", "by"} or claim.get("op") not in OPERATORS:
                raise ResultsError(f"{path}: expectation {claim} of {profile!r}: "
                                   f"needs claim, left, op ({' '.join(OPERATORS)}), right, optional by")
    return {"experiments": experiments, "expectations": expectations}


def _value(term, records):
    """The number a term stands for, or raise KeyError naming what is missing."""
    if isinstance(term, list):
        return max(_value(item, records) for item in term)
    if isinstance(term, (int, float)):
        return term
    experiment, _, metric = str(term).rpartition(".")
    try:
        return records[experiment]["metrics"][metric]
    except KeyError:
        raise KeyError(term) from None


def _short(number):
    return f"{number:,}" if isinstance(number, int) else f"{number:.4g}"


@dataclass
class Check:
    claim: str
    holds: bool
    detail: str


def check(expectations, records):
    """Each expectation checked against ``records`` (``{experiment: record}``)."""
    checks = []
    for item in expectations:
        op, by = item["op"], item.get("by", 0)
        try:
            left, right = _value(item["left"], records), _value(item["right"], records)
        except KeyError as missing:
            checks.append(Check(item["claim"], False, f"{missing.args[0]} was not recorded"))
            continue
        bound = right + by if op.startswith(">") else right - by
        margin = f" {'+' if op.startswith('>') else '-'} {by:g}" if by else ""
        checks.append(Check(item["claim"], OPERATORS[op](left, bound),
                            f"{_short(left)} {op} {_short(right)}{margin}"))
    return checks


def _cell(metric_format, built, reference):
    shown = [metric_format.format(built)] if built is not None else []
    shown += [f"({metric_format.format(reference)})"] if reference is not None else []
    return " ".join(shown) or "—"


def _is_comparison(entry):
    return {"difference", "low", "high"} <= set(entry.get("metrics", {}))


def _comparisons_markdown(rows, experiments):
    """The lesson's recorded comparisons: difference and 95 % interval, in points."""
    lines = ["| comparison | difference | 95 % interval | p-value |", "|---|---|---|---|"]
    for name, metrics in rows.items():
        label = experiments.get(name, {}).get("title", name)
        p = metrics.get("p_value")
        unit = metrics.get("unit", "points")
        scale, spec = (100, "+.1f") if unit == "points" else (1, "+.3g")
        low, high = (format(scale * metrics[k], spec) for k in ("low", "high"))
        shown = (f"{format(scale * metrics['difference'], spec)} {unit}", f"{low} to {high}",
                 "—" if p is None else ("< 0.001" if p < 1e-3 else f"{p:.3f}"))
        lines.append(f"| {label} | " + " | ".join(shown) + " |")
    return lines


def results_markdown(records, reference, profile):
    """One table per lesson, as MyST Markdown; ``records`` is ``{docname: {experiment: record}}``.

    Comparisons recorded with :func:`record_comparison` get a table of their own (difference
    and interval), after the lesson's experiments.
    """
    lines, experiments = [], reference["experiments"]
    for docname, all_built in records.items():
        built = {n: e for n, e in all_built.items() if not _is_comparison(e)}
        compared = {n: e["metrics"] for n, e in all_built.items() if _is_comparison(e)}
        names = [n for n, e in experiments.items() if e["lesson"] == docname.rsplit("/", 1)[-1]
                 and n not in compared]
        names += [n for n in built if n not in names]
        if compared:
            comparison_lines = (["~~~{table} " + f"Comparisons in {{doc}}`/{docname}`", ""]
                                + _comparisons_markdown(compared, experiments) + ["~~~", ""])
        else:
            comparison_lines = []
        if not names:
            lines += comparison_lines
            continue
        rows = {n: (built.get(n, {}).get("metrics", {}), experiments.get(n, {}).get("reference", {}))
                for n in names}
        columns = [c for c in COLUMNS if any(c[0] in b or c[0] in r for b, r in rows.values())]
        lines += ["~~~{table} " + f"{{doc}}`/{docname}`", "",
                  "| experiment | " + " | ".join(heading for _, heading, _ in columns) + " |",
                  "|---" * (len(columns) + 1) + "|"]
        for name, (got, ref) in rows.items():
            label = experiments.get(name, {}).get("title", name) + ("" if got else " *(not run)*")
            cells = [_cell(fmt, got.get(metric), ref.get(metric)) for metric, _, fmt in columns]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines += ["~~~", ""]
        sources = dict.fromkeys(experiments[n]["source"] for n in names if n in experiments)
        if sources:
            lines += [f"Reference numbers, in parentheses: {'; '.join(sources)}.", ""]
        lines += [f"- *{experiments[n]['title']}*: {experiments[n]['note']}"
                  for n in names if experiments.get(n, {}).get("note")] + [""]
        lines += comparison_lines
    return "\n".join(lines)


def checks_markdown(checks):
    """One line per checked expectation, with a clear mark for a violated one."""
    return "\n".join(f"- ✅ **holds**: {c.claim} ({c.detail})" if c.holds else
                     f"- ❌ **VIOLATED**: {c.claim} ({c.detail})" for c in checks)


def lesson_file(lesson, records):
    """The content of ``results/<lesson>.json``."""
    return {"lesson": lesson, "experiments": records}


def course_size_markdown(folder, reference):
    """The committed course-size (full-profile) results beside this build's, as MyST Markdown.

    ``folder`` is what ``python -m book.gpu_check --out <folder>`` wrote on a GPU in the full
    profile (``results/`` and ``records/``), committed to the repository. A set made in
    another profile (for example the quick sizes on a CPU, as the tests make one) is named
    and kept off the page: only course-size numbers are shown as course-size numbers.
    """
    folder = Path(folder)
    experiment_files = sorted((folder / "results").glob("*.json"))
    if not experiment_files:
        return ("No course-size run is committed yet: the full profile has not been run on a "
                "GPU for this book. `python -m book.gpu_check --out results/full` on a GPU "
                "writes one (README, *On a GPU: the short full-profile check*).")
    lessons = {f.stem: json.loads(f.read_text(encoding="utf-8"))["experiments"]
               for f in experiment_files}
    provenance = {}
    for lesson in lessons:
        record_file = folder / "records" / f"{lesson}.json"
        if record_file.is_file():
            provenance[lesson] = json.loads(record_file.read_text(encoding="utf-8"))["provenance"]
    profiles = {entry.get("profile") for experiments in lessons.values()
                for entry in experiments.values()}
    if profiles != {"full"}:
        devices = sorted({p.get("device", "?") for p in provenance.values()})
        return (f"The committed set in `{folder.name}/` was made in the "
                f"{', '.join(sorted(map(str, profiles)))} profile on {', '.join(devices)}, not "
                f"at the course's sizes, so it is not shown here.")
    lines = []
    for lesson, facts in provenance.items():
        packages = ", ".join(f"{k} {v}" for k, v in sorted(facts.get("packages", {}).items()))
        lines.append(f"- `{lesson}`: {facts.get('device')}, {facts.get('backend')}, "
                     f"executed {facts.get('executed')}, seed {facts.get('seed')} ({packages})")
    tables = results_markdown({f"lessons/{lesson}": experiments
                               for lesson, experiments in lessons.items()},
                              reference, "full")
    return "\n".join(["Where these course-size numbers were made:", ""] + lines + ["", tables])

