"""``python -m book.gpu_check``: lessons run from their Markdown, without Jupyter."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from book import gpu_check
from book.cells import CellsError, code_cells
from conftest import ROOT
from test_backends import hide_tensorflow


def test_code_cells_reads_options_in_both_forms(tmp_path):
    lesson = tmp_path / "01-x.md"
    lesson.write_text(textwrap.dedent("""\
        # Title
        ```python
        not a cell
        ```
        ```{code-cell} ipython3
        a = 1
        ```
        ```{code-cell} ipython3
        :tags: [exercise, raises-exception]
        b = ____
        ```
        ```{code-cell} ipython3
        ---
        mystnb:
          figure:
            caption: A figure
        tags: [solution]
        ---
        b = 2
        ```
        """), encoding="utf-8")
    cells = code_cells(lesson)
    assert [c.source for c in cells] == ["a = 1\n", "b = ____\n", "b = 2\n"]
    assert [c.tags for c in cells] == [(), ("exercise", "raises-exception"), ("solution",)]
    assert [c.line for c in cells] == [6, 10, 19]


def test_code_cells_reports_an_unclosed_fence(tmp_path):
    lesson = tmp_path / "01-x.md"
    lesson.write_text("```{code-cell} ipython3\na = 1\n", encoding="utf-8")
    with pytest.raises(CellsError, match=r"01-x.md:1: code cell without its closing"):
        code_cells(lesson)


def test_every_lesson_parses_into_cells():
    for path in sorted((ROOT / "lessons").glob("[0-9][0-9]-*.md")):
        cells = code_cells(path)
        assert cells and "start_lesson" in cells[0].source, path.name
        assert not any("```" in c.source for c in cells), path.name


def test_unknown_lesson_is_a_clear_error():
    with pytest.raises(gpu_check.GpuCheckError, match=r"no lesson '42'.*01-dense-to-cnn"):
        gpu_check.lesson_paths(["42"], ROOT / "lessons")


def test_only_expectations_about_the_lessons_run_are_checked():
    reference = {"experiments": {"a": {"lesson": "04-x"}, "b": {"lesson": "07-y"}},
                 "expectations": {"all": [{"claim": "a", "left": "a.acc", "op": ">", "right": 0.5}],
                                  "full": [{"claim": "ab", "left": ["a.acc"], "op": ">", "right": "b.acc"}]}}
    assert [c["claim"] for c in gpu_check.applicable_expectations(reference, "full", {"04-x"})] == ["a"]
    both = gpu_check.applicable_expectations(reference, "full", {"04-x", "07-y"})
    assert [c["claim"] for c in both] == ["a", "ab"]


def test_gpu_check_runs_lessons_4_and_6_on_jax_at_quick_sizes_without_tensorflow(tmp_path):
    """The JAX-backend lesson runs of the test suite, quick, TensorFlow unimportable: lesson 4
    (a subclassed model that trains) and lesson 6 (whose input gradient is per backend)."""
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(hide_tensorflow(tmp_path))}
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "book.gpu_check", "--profile", "quick", "--lessons", "04", "06",
         "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    logs = "".join(log.read_text()[-3000:] for log in out.glob("*.log"))
    assert result.returncode == 0, result.stdout[-3000:] + logs
    for lesson in ("04-subclassed-model", "06-cnn-arithmetic"):
        run = json.loads((out / f"{lesson}.run.json").read_text())
        assert run["backend"].startswith("JAX ") and not run["tensorflow_loaded"], lesson
        assert run["device"] == "CPU" and run["cells"] > 10, lesson
        assert f"| {lesson} |" in (out / "timing.md").read_text()
    assert json.loads((out / "04-subclassed-model.run.json").read_text())["samples_per_second"] > 0
    records = json.loads((out / "results" / "04-subclassed-model.json").read_text())
    metrics = records["experiments"]["mnist-subclassed-cnn"]["metrics"]
    assert metrics["samples"] == 10000 and 0.9 < metrics["test_accuracy"] <= 1
    assert "2 lessons ran, 0 failed" in result.stdout
