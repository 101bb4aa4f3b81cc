"""Results registry: records, the reference file, the expectation checker, and the built book's results."""

import json
import re

import pytest

from book import results
from book.results import Check, ResultsError, check, load_reference, read_records
from conftest import ROOT

REFERENCE = ROOT / "results" / "reference.yml"
RECORDS = {
    "cnn": {"metrics": {"test_accuracy": 0.95, "parameters": 1000}, "device": "CPU", "profile": "quick"},
    "mlp": {"metrics": {"test_accuracy": 0.90, "parameters": 5000}, "device": "CPU", "profile": "quick"},
    "big": {"metrics": {"test_accuracy": 0.97}, "device": "CPU", "profile": "quick"},
}


def _claim(left, op, right, **extra):
    return {"claim": "a claim", "left": left, "op": op, "right": right, **extra}


def test_an_expectation_that_holds_and_one_that_is_violated():
    holds, violated = check([_claim("cnn.test_accuracy", ">", "mlp.test_accuracy"),
                             _claim("cnn.parameters", ">", "mlp.parameters")], RECORDS)
    assert holds == Check("a claim", True, "0.95 > 0.9")
    assert not violated.holds and violated.detail == "1,000 > 5,000"


def test_margins_lists_and_numbers():
    [margin] = check([_claim("cnn.test_accuracy", ">", "mlp.test_accuracy", by=0.1)], RECORDS)
    assert not margin.holds and "+ 0.1" in margin.detail            # 0.95 is not above 0.90 + 0.1
    [below] = check([_claim("cnn.parameters", "<", "mlp.parameters", by=3000)], RECORDS)
    assert below.holds                                               # 1000 < 5000 - 3000
    [best] = check([_claim(["cnn.test_accuracy", "big.test_accuracy"], ">=", 0.97)], RECORDS)
    assert best.holds                                                # a list stands for its largest value


def test_a_missing_number_counts_as_violated():
    [missing] = check([_claim("gone.test_accuracy", ">", 0.5)], RECORDS)
    assert not missing.holds and "gone.test_accuracy was not recorded" in missing.detail


def test_violations_are_marked_on_the_page():
    text = results.checks_markdown([Check("fine", True, "2 > 1"), Check("worse", False, "1 > 2")])
    assert "✅ **holds**: fine (2 > 1)" in text and "❌ **VIOLATED**: worse (1 > 2)" in text


def test_record_glues_json_with_device_and_profile(monkeypatch):
    from book.glue import VALUES

    monkeypatch.setattr("book.runtime.device", lambda: "CPU")
    monkeypatch.setenv("BOOK_PROFILE", "full")
    import numpy as np

    entry = results.record("mnist-cnn-9", test_accuracy=np.float32(0.5), epochs=np.int64(3), note="x")
    assert json.loads(VALUES["result:mnist-cnn-9"]) == entry
    assert entry == {"metrics": {"test_accuracy": 0.5, "epochs": 3, "note": "x"}, "device": "CPU", "profile": "full"}
    with pytest.raises(ResultsError, match="lowercase"):
        results.record("Bad Name", accuracy=1)
    with pytest.raises(ResultsError, match="not a number"):
        results.record("ok", accuracy=[1, 2])


def test_records_are_read_back_from_a_glue_file(tmp_path):
    entry = {"metrics": {"test_accuracy": 0.5}, "device": "CPU", "profile": "quick"}
    glue_file = tmp_path / "lesson.glue.json"
    glue_file.write_text(json.dumps({
        "result:exp-1": {"data": {"text/plain": repr(json.dumps(entry))}},
        "other": {"data": {"text/plain": "3"}}}))
    assert read_records(glue_file) == {"exp-1": entry}
    assert read_records(tmp_path / "missing.glue.json") == {}


def test_reference_file_is_valid_and_names_its_sources():
    reference = load_reference(REFERENCE)
    lessons = {path.stem for path in (ROOT / "lessons").glob("*.md")}
    for name, entry in reference["experiments"].items():
        assert entry["lesson"] in lessons, name
        assert re.search(r"seed \d{3}_[0-9a-f]+\.txt, exercise", entry["source"]), name
    named = {term.rpartition(".")[0] for claims in reference["expectations"].values() for claim in claims
             for side in ("left", "right") for term in (claim[side] if isinstance(claim[side], list) else [claim[side]])
             if isinstance(term, str)}
    assert named <= set(reference["experiments"]), named - set(reference["experiments"])


def test_a_malformed_expectation_is_refused(tmp_path):
    path = tmp_path / "reference.yml"
    path.write_text("expectations:\n  quick:\n    - {claim: c, left: a.b, op: '=>', right: 1}\n")
    with pytest.raises(ResultsError, match="needs claim, left, op"):
        load_reference(path)


# The built book (quick profile)

def _built_records(built_book):
    folder = built_book / "results"
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


def test_every_lesson_with_experiments_has_a_results_file(built_book):
    files = _built_records(built_book)
    reference = load_reference(REFERENCE)
    for name, entry in reference["experiments"].items():
        lesson = files[entry["lesson"]]
        assert lesson["lesson"] == entry["lesson"]
    for lesson in files.values():
        for name, record in lesson["experiments"].items():
            assert record["profile"] == "quick", name
            assert record["device"] == "CPU" or record["device"].startswith("GPU: "), name
            assert record["metrics"], name


def test_the_quick_profile_meets_its_expectations(built_book):
    records = {name: entry for lesson in _built_records(built_book).values()
               for name, entry in lesson["experiments"].items()}
    expectations = load_reference(REFERENCE)["expectations"]
    checks = check(expectations.get("all", []) + expectations.get("quick", []), records)
    assert checks
    assert [c for c in checks if not c.holds] == [], "a rebuild got worse than the expectations"


def test_the_results_page_shows_every_experiment_and_no_violation(built_book):
    page = (built_book / "results.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).replace("\u00a0", " ").split())
    text = text.replace("\u2019", "'")                    # Sphinx's typographic apostrophe
    for entry in load_reference(REFERENCE)["experiments"].values():
        assert entry["title"] in text
    assert "VIOLATED" not in text and "expectations of the quick profile hold" in text
    assert "(98.3 %)" in text            # the course's MLP-200 test accuracy, beside this build's


def test_course_size_results_are_shown_only_when_they_are_course_size(tmp_path, data_available):
    """The path of a committed full-profile run, made here at quick sizes on the CPU.

    No GPU run of the full profile exists yet, so the test makes a set the same way on the
    CPU at reduced (quick) sizes: the page must name it and keep it off; relabelled as
    full-profile, the same files are shown beside the build with their provenance.
    """
    import shutil
    import subprocess
    import sys

    made = tmp_path / "cpu-quick"
    run = subprocess.run([sys.executable, "-m", "book.gpu_check", "--profile", "quick",
                          "--lessons", "04", "--out", str(made)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    reference = load_reference(ROOT / "results" / "reference.yml")
    kept_off = results.course_size_markdown(made, reference)
    assert "quick profile on CPU" in kept_off and "not shown" in kept_off
    relabelled = tmp_path / "relabelled"
    shutil.copytree(made, relabelled)
    lesson_file = next((relabelled / "results").glob("*.json"))
    entry = json.loads(lesson_file.read_text())
    for experiment in entry["experiments"].values():
        experiment["profile"] = "full"
    lesson_file.write_text(json.dumps(entry))
    shown = results.course_size_markdown(relabelled, reference)
    titles = [reference["experiments"].get(name, {}).get("title", name)
              for name in entry["experiments"]]
    assert titles and all(title in shown for title in titles)
    assert "TensorFlow" in shown and "seed 2024" in shown
    assert "No course-size run" in results.course_size_markdown(tmp_path / "none", reference)


def test_recorded_comparisons_get_a_table_with_their_intervals():
    reference = {"experiments": {"a-vs-b": {"lesson": "01-x", "title": "A against B",
                                            "source": "this book"}}, "expectations": {}}
    records = {"lessons/01-x": {
        "a-vs-b": {"metrics": {"difference": 0.012, "low": -0.003, "high": 0.027,
                               "p_value": 0.2, "unit": "points"}},
        "loss-gap": {"metrics": {"difference": -0.055, "low": -0.065, "high": -0.046,
                                 "unit": "nats"}}}}
    text = results.results_markdown(records, reference, "quick")
    assert "| A against B | +1.2 points | -0.3 to +2.7 | 0.200 |" in text
    assert "| loss-gap | -0.055 nats | -0.065 to -0.046 | — |" in text
