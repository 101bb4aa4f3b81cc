"""What changed: the records of every glued number, and their comparison with a baseline."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from book import changes, records
from conftest import ROOT, jupyter_book

SMALL_LESSON = "02-conv-and-pooling"          # trains, and in seconds
RESEED = 2025


def _record(values, profile="quick", seed=2024, lesson="01-x"):
    return {"schema": records.SCHEMA, "lesson": lesson,
            "provenance": {"profile": profile, "seed": seed, "backend": "TensorFlow 2.21.0",
                           "device": "CPU", "python": "3.11.7", "packages": {}},
            "values": values}


def _value(value, **extra):
    return {"value": value, "formats": [""], "volatile": False, **extra}


def test_a_record_comes_from_the_glued_values_and_the_source():
    glued = {"acc": 0.91, "provenance": json.dumps({"profile": "quick", "seed": 1}),
             "gap": 1.5, "gap_ci": "+0.5 to +2.5", "gap_verdict": "wider",
             "quantity:gap": json.dumps({"volatile": False, "low": 0.5, "high": 2.5,
                                         "verdict": "wider", "method": "m"}),
             "seconds": 12.0, "quantity:seconds": json.dumps({"volatile": True}),
             "result:exp": json.dumps({"metrics": {}})}
    source = "A {glue:text}`acc:.1%` and {glue:text}`gap:+.1f` ({glue:text}`gap_ci`)."
    record = records.lesson_record("01-x", glued, source, commit="abc1234")
    values = record["values"]
    assert set(values) == {"acc", "gap", "gap_ci", "gap_verdict", "seconds"}
    assert values["acc"] == {"value": 0.91, "formats": [".1%"], "volatile": False}
    assert (values["gap"]["low"], values["gap"]["high"]) == (0.5, 2.5)
    assert values["gap_ci"]["part_of"] == "gap" and values["seconds"]["volatile"]
    assert record["provenance"] == {"profile": "quick", "seed": 1, "commit": "abc1234"}


def test_the_comparison_sorts_changes_flips_names_and_timings():
    old = _record({"exact": _value(1248), "steady": _value(0.5),
                   "gap": _value(1.0, low=0.5, high=1.5), "gap_verdict": _value("wider"),
                   "tiny": _value(100.0), "gone": _value("x"), "old_name": _value(42),
                   "seconds": {**_value(10.0), "volatile": True}})
    new = _record({"exact": _value(1250), "steady": _value(0.5),
                   "gap": _value(-1.0, low=-1.5, high=-0.5), "gap_verdict": _value("narrower"),
                   "tiny": _value(100.5), "fresh": _value("y"), "new_name": _value(42),
                   "seconds": {**_value(12.0), "volatile": True}}, seed=7)
    report = changes.compare({"01-x": old}, {"01-x": new})
    lesson = report[0]
    moved = {c.name: c.beyond_noise for c in lesson.changed}
    assert moved == {"exact": False, "gap": True, "tiny": False}   # 2/1250 and 0.5 % < 1 %
    assert lesson.flipped == [("gap", "wider", "narrower")]
    assert lesson.renamed == [("old_name", "new_name")]
    assert (lesson.added, lesson.removed) == (["fresh"], ["gone"])
    assert lesson.volatile == [("seconds", 10.0, 12.0)]
    assert lesson.environment == {"seed": (2024, 7)}
    text = changes.report_markdown(report, {"01-x": old}, {"01-x": new})
    assert "| `gap` | 1 | -1 | **yes** |" in text and "`old_name` → `new_name`" in text


def test_another_profile_is_refused_unless_asked(tmp_path):
    quick, full = {"01-x": _record({})}, {"01-x": _record({}, profile="full")}
    with pytest.raises(changes.ChangesError, match="--cross-profile"):
        changes.compare(quick, full)
    assert changes.compare(quick, full, cross_profile=True)[0].environment["profile"]


def test_a_damaged_or_partial_baseline_is_named(tmp_path):
    records.write_records({"01-x": _record({}), "02-y": _record({}, lesson="02-y")}, tmp_path)
    (tmp_path / "02-y.json").unlink()
    with pytest.raises(changes.ChangesError, match="partial.*02-y"):
        changes.load_records(tmp_path)
    (tmp_path / "02-y.json").write_text("{not json")
    with pytest.raises(changes.ChangesError, match="not valid JSON"):
        changes.load_records(tmp_path)
    (tmp_path / "index.json").write_text(json.dumps({"schema": 99, "lessons": []}))
    with pytest.raises(changes.ChangesError, match="schema 99"):
        changes.load_records(tmp_path)
    with pytest.raises(changes.ChangesError, match="not a folder"):
        changes.load_records(tmp_path / "nowhere")


def _gpu_check(lesson, out, seed=None):
    command = [sys.executable, "-m", "book.gpu_check", "--profile", "quick",
               "--lessons", lesson, "--out", str(out)]
    command += ["--seed", str(seed)] if seed is not None else []
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out / "records"


@pytest.fixture(scope="module")
def reseeded_baseline(built_book, tmp_path_factory):
    """The build's records, with the small lesson re-executed for real with another seed."""
    baseline = tmp_path_factory.mktemp("baseline")
    shutil.copytree(built_book / "records", baseline, dirs_exist_ok=True)
    rerun = _gpu_check(SMALL_LESSON, tmp_path_factory.mktemp("reseeded"), seed=RESEED)
    shutil.copy(rerun / f"{SMALL_LESSON}.json", baseline / f"{SMALL_LESSON}.json")
    return baseline


SUMMARY = []            # the comparison's plain-text summary, for the CI log (conftest.py)


def test_a_reseeded_lesson_lists_exactly_its_moved_numbers(built_book, reseeded_baseline):
    current = changes.load_records(built_book / "records")
    baseline = changes.load_records(reseeded_baseline)
    compared = changes.compare(baseline, current)
    SUMMARY.append(changes.summary_text(compared))
    report = {lesson.lesson: lesson for lesson in compared}
    reseeded = report.pop(SMALL_LESSON)
    assert reseeded.changed, "another seed moved none of the lesson's numbers"
    assert reseeded.environment == {"seed": (RESEED, 2024)}
    assert not (reseeded.added or reseeded.removed or reseeded.renamed)
    assert all(lesson.quiet and not lesson.volatile for lesson in report.values())


def test_the_same_seed_reproduces_the_build_but_for_timings(built_book, tmp_path):
    rerun = changes.load_records(_gpu_check(SMALL_LESSON, tmp_path))
    built = changes.load_records(built_book / "records")
    lesson = changes.compare({SMALL_LESSON: built[SMALL_LESSON]}, rerun)[0]
    assert not lesson.changed and not lesson.flipped and not lesson.environment
    assert not (lesson.added or lesson.removed)


def test_the_changes_page_shows_the_comparison(reseeded_baseline, tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: intro\nchapters:\n"
                   f"- file: lessons/{SMALL_LESSON}\n- file: changes\n- file: status\n"
                   "- file: schedule\n- file: results\n")
    env = {**os.environ, "BOOK_PROFILE": "quick", "BOOK_BASELINE": str(reseeded_baseline)}
    result = jupyter_book("build", "--toc", str(toc), "--path-output", str(tmp_path), ".",
                          env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    page = (tmp_path / "_build" / "html" / "changes.html").read_text(encoding="utf-8")
    assert f"seed: {RESEED} → 2024" in page and "beyond the noise?" in page
    assert "What changed:" in result.stdout                   # the summary for CI logs


def test_without_a_baseline_the_page_says_so(built_book):
    page = (built_book / "changes.html").read_text(encoding="utf-8")
    assert "No baseline was given for this build" in page


def test_the_command_refuses_a_bad_baseline_in_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "book.changes", str(tmp_path / "missing"),
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "not a folder of records" in run.stderr


def test_a_damaged_baseline_is_named_and_the_build_keeps_its_outputs(tmp_path, data_available):
    damaged = tmp_path / "damaged"
    records.write_records({SMALL_LESSON: _record({}, lesson=SMALL_LESSON)}, damaged)
    (damaged / f"{SMALL_LESSON}.json").write_text('{"schema": 1, "lesson": "cut off')
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: intro\nchapters:\n"
                   f"- file: lessons/{SMALL_LESSON}\n- file: changes\n- file: status\n"
                   "- file: schedule\n- file: results\n")
    out = tmp_path / "out"
    env = {**os.environ, "BOOK_PROFILE": "quick", "BOOK_BASELINE": str(damaged)}
    result = jupyter_book("build", "--toc", str(toc), "--path-output", str(out), ".",
                          env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = out / "_build" / "html"
    page = (html / "changes.html").read_text(encoding="utf-8")
    assert "The baseline could not be read" in page and "not valid JSON" in page
    assert (html / "records" / f"{SMALL_LESSON}.json").is_file()
    assert (html / "lessons" / f"{SMALL_LESSON}.html").is_file()
