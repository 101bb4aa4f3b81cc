"""What changed between two builds of the book, lesson by lesson.

    python -m book.changes BASELINE [CURRENT] [--cross-profile] [--markdown FILE]

``BASELINE`` and ``CURRENT`` are folders of records (``book.records``: a build writes them to
``_build/html/records/``) or, with network, the address of a published book (its
``records/`` are read). ``CURRENT`` defaults to this checkout's last build. For each lesson the
comparison lists

- the glued numbers that changed, old and new, and which moved **beyond their noise**: a number
  with an interval (a comparison glued by ``glue_estimate``) moved beyond it when the interval
  of the shift (``book.stats.shift_between_builds``) excludes zero; any other number when it
  moved by more than ``RELATIVE_THRESHOLD`` (1 %) of its size;
- the verdict words that flipped;
- names added, removed, or renamed (a removed and an added name with the same value);
- whether the lesson ran in another environment (profile, seed, backend, device, packages);
- volatile values (timings), apart: they differ by nature and are never counted as changes.

Records of another schema are refused; so are records of another profile unless
``--cross-profile`` asks for the comparison (the quick and full profiles train different
sizes, so nearly every number differs, by design). The build shows the same comparison on the
**Changes** page when ``BOOK_BASELINE`` names a baseline.
"""

import argparse
import json
import math
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .records import SCHEMA
from .stats import shift_between_builds

RELATIVE_THRESHOLD = 0.01
BASELINE_VARIABLE = "BOOK_BASELINE"
ENVIRONMENT_KEYS = ("profile", "seed", "backend", "device", "python", "packages")


class ChangesError(ValueError):
    """A baseline or current set of records cannot be compared (says what, where, how to fix)."""


def _read_json(source, name):
    if str(source).startswith(("http://", "https://")):
        address = str(source).rstrip("/") + "/" + name
        try:
            with urllib.request.urlopen(address, timeout=20) as response:
                return json.loads(response.read().decode("utf-8"))
        except OSError as error:
            raise ChangesError(f"cannot read {address} ({error}); without network, download "
                               f"the published records/ folder and pass that folder") from None
        except ValueError:
            raise ChangesError(f"{address} is not JSON: is this the records/ folder of a "
                               f"published book?") from None
    path = Path(source) / name
    if not path.is_file():
        raise ChangesError(f"{path} is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ChangesError(f"{path} is not valid JSON ({error}): the baseline is damaged; "
                           f"make it again from a build's records/ folder") from None


def load_records(source):
    """``{lesson: record}`` from a records folder or a published book's address."""
    source = str(source)
    if not source.startswith(("http://", "https://")):
        if not Path(source).is_dir():
            raise ChangesError(f"{source} is not a folder of records: pass a build's "
                               f"_build/html/records folder (or a published book's address)")
    elif not source.rstrip("/").endswith("/records"):
        source = source.rstrip("/") + "/records"
    index = _read_json(source, "index.json")
    if not isinstance(index, dict) or index.get("schema") != SCHEMA:
        raise ChangesError(f"{source}/index.json has schema {index.get('schema')!r} where this "
                           f"book reads schema {SCHEMA}: compare records made by the same "
                           f"version of the book, or rebuild the baseline")
    records = {}
    for lesson in index.get("lessons", []):
        try:
            record = _read_json(source, f"{lesson}.json")
        except ChangesError as error:
            raise ChangesError(f"the records at {source} are partial: {error} (index.json "
                               f"lists lesson {lesson}); copy the whole records folder") from None
        problems = [key for key in ("schema", "lesson", "provenance", "values")
                    if key not in record]
        if problems or record.get("schema") != SCHEMA or not isinstance(record["values"], dict):
            raise ChangesError(f"{source}/{lesson}.json is not a lesson record of schema "
                               f"{SCHEMA} (missing or wrong: {problems or ['schema']})")
        records[lesson] = record
    return records


@dataclass
class Change:
    name: str
    old: object
    new: object
    beyond_noise: bool
    how: str                     # why it is (or is not) beyond the noise


@dataclass
class LessonChanges:
    lesson: str
    changed: list = field(default_factory=list)
    flipped: list = field(default_factory=list)        # (name, old words, new words)
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    renamed: list = field(default_factory=list)        # (old name, new name)
    volatile: list = field(default_factory=list)       # (name, old, new)
    environment: dict = field(default_factory=dict)    # key -> (old, new)
    status: str = "compared"                           # or "new lesson", "lesson removed"

    @property
    def quiet(self):
        return not (self.changed or self.flipped or self.added or self.removed
                    or self.renamed or self.environment) and self.status == "compared"


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compare_value(name, old, new):
    a, b = old["value"], new["value"]
    if a == b:
        return None
    if _number(a) and _number(b):
        if all(k in old and k in new for k in ("low", "high")):
            shift = shift_between_builds(a, old["low"], old["high"], b, new["low"], new["high"])
            return Change(name, a, b, shift.decided,
                          f"shift {shift.value:+.3g}, 95 % interval {shift.low:+.3g} to "
                          f"{shift.high:+.3g}")
        size = max(abs(a), abs(b))
        relative = abs(b - a) / size if size else 0.0
        if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15):
            return None
        return Change(name, a, b, relative > RELATIVE_THRESHOLD,
                      f"moved {relative:.1%} of its size (threshold {RELATIVE_THRESHOLD:.0%})")
    return Change(name, a, b, True, "a different text")


def _environment(old, new):
    differences = {}
    for key in ENVIRONMENT_KEYS:
        if old.get(key) != new.get(key):
            differences[key] = (old.get(key), new.get(key))
    return differences


def compare_lesson(lesson, old, new):
    result = LessonChanges(lesson)
    if old is None or new is None:
        result.status = "new lesson" if old is None else "lesson removed"
        return result
    result.environment = _environment(old["provenance"], new["provenance"])
    old_values, new_values = old["values"], new["values"]
    for name in sorted(set(old_values) & set(new_values)):
        before, after = old_values[name], new_values[name]
        if before.get("volatile") or after.get("volatile"):
            if before["value"] != after["value"]:
                result.volatile.append((name, before["value"], after["value"]))
            continue
        if name.endswith("_verdict") and before["value"] != after["value"]:
            result.flipped.append((name[: -len("_verdict")], before["value"], after["value"]))
            continue
        if "part_of" in after:           # an estimate's interval text and p: shown with it
            continue
        change = _compare_value(name, before, after)
        if change:
            result.changed.append(change)
    added = sorted(set(new_values) - set(old_values))
    removed = sorted(set(old_values) - set(new_values))
    for gone in list(removed):
        twin = next((name for name in added
                     if new_values[name]["value"] == old_values[gone]["value"]), None)
        if twin is not None:
            result.renamed.append((gone, twin))
            removed.remove(gone)
            added.remove(twin)
    result.added, result.removed = added, removed
    return result


def compare(baseline, current, cross_profile=False):
    """``[LessonChanges]`` for every lesson in either set of records."""
    profiles = {("baseline", r["provenance"].get("profile")) for r in baseline.values()}
    profiles |= {("current", r["provenance"].get("profile")) for r in current.values()}
    old_profiles = {p for side, p in profiles if side == "baseline"}
    new_profiles = {p for side, p in profiles if side == "current"}
    if old_profiles != new_profiles and not cross_profile:
        raise ChangesError(
            f"the baseline was built in the {', '.join(map(str, sorted(old_profiles, key=str)))} "
            f"profile and this build in {', '.join(map(str, sorted(new_profiles, key=str)))}: "
            f"the profiles train at different sizes, so nearly every number differs by design. "
            f"Compare builds of one profile, or ask for it with --cross-profile "
            f"(BOOK_BASELINE_CROSS_PROFILE=1 in a build)")
    lessons = sorted(set(baseline) | set(current))
    return [compare_lesson(lesson, baseline.get(lesson), current.get(lesson))
            for lesson in lessons]


def _shown(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def summary_text(report):
    """A few plain lines for a CI log."""
    moved = sum(1 for lesson in report for c in lesson.changed if c.beyond_noise)
    lines = [f"What changed: {sum(len(l.changed) for l in report)} numbers changed "
             f"({moved} beyond their noise), {sum(len(l.flipped) for l in report)} verdicts "
             f"flipped, in {sum(1 for l in report if not l.quiet)} of {len(report)} lessons."]
    for lesson in report:
        if lesson.quiet:
            continue
        parts = [f"{len(lesson.changed)} changed"] if lesson.changed else []
        parts += [f"{len(lesson.flipped)} flipped"] if lesson.flipped else []
        parts += [f"{len(lesson.added)} added"] if lesson.added else []
        parts += [f"{len(lesson.removed)} removed"] if lesson.removed else []
        parts += [f"{len(lesson.renamed)} renamed"] if lesson.renamed else []
        parts += ["environment: " + ", ".join(lesson.environment)] if lesson.environment else []
        parts += [lesson.status] if lesson.status != "compared" else []
        lines.append(f"  {lesson.lesson}: " + "; ".join(parts))
    return "\n".join(lines)


def _environment_line(old, new):
    keys = [k for k in ENVIRONMENT_KEYS if old.get(k) != new.get(k)]
    return ", ".join(f"{k}: {old.get(k)} → {new.get(k)}" for k in keys)   # a seed, not 2,025


def report_markdown(report, baseline, current):
    """The Changes page's body (MyST Markdown)."""
    def provenance(records):
        first = next(iter(records.values()), {}).get("provenance", {})
        return (f"profile {first.get('profile')}, seed {first.get('seed')}, "
                f"{first.get('backend')}, {first.get('device')}, commit "
                f"{first.get('commit', 'unknown')}, executed {first.get('executed', '?')}")
    lines = [f"Baseline: {provenance(baseline)}.", "",
             f"This build: {provenance(current)}.", "",
             "```text", summary_text(report), "```", ""]
    for lesson in report:
        lines += [f"## {lesson.lesson}", ""]
        if lesson.status != "compared":
            lines += [f"This lesson is a {lesson.status}.", ""]
            continue
        if lesson.quiet and not lesson.volatile:
            lines += ["No number changed.", ""]
            continue
        if lesson.environment:
            old = baseline[lesson.lesson]["provenance"]
            new = current[lesson.lesson]["provenance"]
            lines += [f"Ran in another environment: {_environment_line(old, new)}.", ""]
        if lesson.changed:
            lines += ["| name | baseline | this build | beyond the noise? | how judged |",
                      "|---|---|---|---|---|"]
            lines += [f"| `{c.name}` | {_shown(c.old)} | {_shown(c.new)} | "
                      f"{'**yes**' if c.beyond_noise else 'no'} | {c.how} |"
                      for c in lesson.changed] + [""]
        if lesson.flipped:
            lines += ["Verdicts that flipped:", ""]
            lines += [f"- `{name}`: “{old}” → “{new}”" for name, old, new in lesson.flipped]
            lines += [""]
        for label, names in (("Added", lesson.added), ("Removed", lesson.removed)):
            if names:
                lines += [f"{label}: " + ", ".join(f"`{n}`" for n in names) + ".", ""]
        if lesson.renamed:
            lines += ["Renamed (same value): " + ", ".join(f"`{a}` → `{b}`"
                                                          for a, b in lesson.renamed) + ".", ""]
        if lesson.volatile:
            lines += ["Volatile values (timings; they differ by nature, not counted): "
                      + ", ".join(f"`{n}` {_shown(a)} → {_shown(b)}"
                                  for n, a, b in lesson.volatile) + ".", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m book.changes",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", help="a records folder, or a published book's address")
    parser.add_argument("current", nargs="?", default="_build/html/records",
                        help="this build's records (default: _build/html/records)")
    parser.add_argument("--cross-profile", action="store_true",
                        help="compare records of different profiles (quick against full)")
    parser.add_argument("--markdown", type=Path, help="also write the Changes page's text here")
    args = parser.parse_args(argv)
    try:
        baseline, current = load_records(args.baseline), load_records(args.current)
        report = compare(baseline, current, args.cross_profile)
    except ChangesError as error:
        print(f"book.changes: {error}", file=sys.stderr)
        return 2
    print(summary_text(report))
    if args.markdown:
        args.markdown.write_text(report_markdown(report, baseline, current), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
