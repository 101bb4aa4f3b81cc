"""Student and instructor notebooks, launch buttons and downloads."""

import os
import re
import subprocess
import zipfile

import nbformat
import pytest
import yaml

from book.notebooks import drop_instructor_notes
from book.sphinx_ext.launch_buttons import launch_links
from conftest import ROOT

LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("*.md"))


def _notebook(built_book, kind, lesson):
    path = built_book / "notebooks" / kind / f"{lesson}.ipynb"
    if not path.is_file() and os.environ.get("BOOK_HTML"):
        pytest.skip(f"{path} was not built (BOOK_HTML names a partial build)")
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_notebook_keeps_blanks_checkers_and_quiz_but_no_solution(built_book, lesson):
    student = _notebook(built_book, "student", lesson)
    instructor = _notebook(built_book, "instructor", lesson)
    code = [c.source for c in student.cells if c.cell_type == "code"]
    solutions = [c.source for c in instructor.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions, "the instructor notebook has the solutions"
    for solution in solutions:
        assert solution not in code
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert not any("{solution-start}" in c.source for c in student.cells)
    assert any("____" in source for source in code)
    assert any("check_model(" in source or "check_value(" in source for source in code)
    assert any(f'show_quiz("{lesson}", bank=' in source for source in code)
    assert all(not c.outputs for c in student.cells if c.cell_type == "code")
    assert "pip" in code[0] and "cnn-book" in code[0]


@pytest.mark.parametrize("lesson", LESSONS)
def test_notebook_markdown_has_no_myst_markup_left(built_book, lesson):
    for kind in ("student", "instructor"):
        for cell in _notebook(built_book, kind, lesson).cells:
            if cell.cell_type == "markdown":
                assert not re.search(r"\{glue|:::|```\{|^\(lesson-", cell.source, flags=re.M), cell.source[:200]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_launch_link_opens_a_notebook_the_build_produced(built_book, lesson):
    page = (built_book / "lessons" / f"{lesson}.html").read_text()
    colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
    binder = re.findall(r'href="(https://mybinder\.org/[^"]+)"', page)
    assert colab and binder
    expected = launch_links("https://github.com/cnn-textbook/cnn-book", "notebooks", lesson)
    assert set(colab) == {expected["Colab"]} and {u.replace("&amp;", "&") for u in binder} == {expected["Binder"]}
    for url in (colab[0], binder[0]):
        path = re.search(r"(?:blob/notebooks/|lab/tree/)(student/[^?&\"]+\.ipynb)", url).group(1)
        assert (built_book / "notebooks" / path).is_file(), path   # the branch holds _build/html/notebooks
    downloads = re.findall(r'href="(\.\./notebooks/(?:student|instructor)/[^"]+\.ipynb)"', page)
    assert len(set(downloads)) == 2
    for href in downloads:
        assert (built_book / "lessons" / href).resolve().is_file()


def test_notebooks_and_binder_pin_the_helper_to_the_commit_that_built_them(built_book):
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    pinned = f"cnn-book @ git+{repository}@{commit}"
    for lesson in LESSONS:
        setup = _notebook(built_book, "student", lesson).cells[0].source
        assert setup.count("cnn-book @") == 1 and f'HELPER = "{pinned}"' in setup.splitlines()
        assert "--no-deps" in setup and "BOOK_REPOSITORY" not in setup
        assert setup.splitlines()[-1].startswith("import book.exercises")   # the blanks message
        assert not re.search(r"\btensorflow\b", setup.split("NEEDS", 1)[1].split("}", 1)[0])
    binder = (built_book / "notebooks" / "requirements.txt").read_text().splitlines()
    assert f"cnn-book[notebook] @ git+{repository}@{commit}" in binder
    assert "@main" not in " ".join(binder)


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_notebook_carries_its_quiz(built_book, lesson):
    bank = (ROOT / "quizzes" / f"{lesson}.yml").read_text()
    for kind in ("student", "instructor"):
        quiz = [c for c in _notebook(built_book, kind, lesson).cells if "show_quiz(" in c.source]
        assert len(quiz) == 1 and f'show_quiz("{lesson}", bank=' in quiz[0].source
        assert bank.strip() in quiz[0].source
        assert yaml.safe_load(bank) == yaml.safe_load(eval(quiz[0].source.split("bank=", 1)[1][:-1]))


def _instructor_notes(source):
    """A plain line of each instructor note of a lesson's source (one without MyST roles)."""
    notes = re.findall(r"^(:{3,})\{admonition\}[^\n]*\n(?::[\w-]+:[^\n]*\n)*?:class:[^\n]*"
                       r"\binstructor-note\b[^\n]*\n(.*?)^\1\s*$", source, flags=re.M | re.S)
    return [next((line.strip() for line in body.splitlines()
                  if line.strip() and not re.search(r"[{}`$:*]", line)), None) for _, body in notes]


@pytest.mark.parametrize("lesson", LESSONS)
def test_instructor_notes_stay_in_the_instructor_notebook_only(built_book, lesson):
    notes = _instructor_notes((ROOT / "lessons" / f"{lesson}.md").read_text())
    markdown = {kind: "\n".join(c.source for c in _notebook(built_book, kind, lesson).cells
                                if c.cell_type == "markdown") for kind in ("student", "instructor")}
    for line in filter(None, notes):
        assert line in markdown["instructor"] and line not in markdown["student"], line
    assert "Instructor notes" not in markdown["student"]


def test_instructor_notes_are_dropped_with_everything_inside_them():
    text = ("Before.\n::::{admonition} Instructor notes\n:class: dropdown instructor-note\n"
            "Live-code this.\n:::{note}\nnested\n:::\n```python\nx = 1\n```\n::::\nAfter.\n"
            ":::{admonition} Deep dive (optional): more\n:class: dropdown\nKept.\n:::")
    kept = drop_instructor_notes(text)
    assert "Live-code" not in kept and "nested" not in kept and "x = 1" not in kept
    assert kept.startswith("Before.\nAfter.") and "Kept." in kept


def test_notebook_bundle_holds_every_notebook_and_the_binder_environment(built_book):
    names = zipfile.ZipFile(built_book / "notebooks" / "cnn-book-notebooks.zip").namelist()
    assert sorted(names) == sorted(f"{k}/{l}.ipynb" for k in ("student", "instructor") for l in LESSONS)
    assert "cnn-book" in (built_book / "notebooks" / "requirements.txt").read_text()
