"""Student and instructor notebooks, launch buttons and downloads."""

import os
import re
import zipfile
from urllib.parse import urlparse

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from book.sphinx_ext.launch_buttons import launch_links
from conftest import ROOT

LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("*.md"))


def _notebook(built_book, kind, lesson):
    return nbformat.read(built_book / "notebooks" / kind / f"{lesson}.ipynb", as_version=4)


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
    assert any(f'show_quiz("{lesson}")' in source for source in code)
    assert all(not c.outputs for c in student.cells if c.cell_type == "code")
    assert "%pip install" in code[0] and "cnn-book" in code[0]


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


def test_one_repository_address_everywhere(built_book):
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert f"git+{repository}@main" in (ROOT / "binder" / "requirements.txt").read_text()
    setup = _notebook(built_book, "student", LESSONS[0]).cells[0].source
    assert f'"BOOK_REPOSITORY", "{repository}"' in setup and f"git+{repository}@main" in setup


def test_notebook_bundle_holds_every_notebook_and_the_binder_environment(built_book):
    names = zipfile.ZipFile(built_book / "notebooks" / "cnn-book-notebooks.zip").namelist()
    assert sorted(names) == sorted(f"{k}/{l}.ipynb" for k in ("student", "instructor") for l in LESSONS)
    assert "cnn-book" in (built_book / "notebooks" / "requirements.txt").read_text()


@pytest.mark.parametrize("lesson", LESSONS)
def test_instructor_notebook_executes(built_book, lesson, tmp_path):
    notebook = _notebook(built_book, "instructor", lesson)
    workdir = tmp_path / "lessons"                 # lessons find ../quizzes from where they run
    workdir.mkdir()
    (tmp_path / "quizzes").symlink_to(ROOT / "quizzes")
    os.environ["BOOK_PROFILE"] = "quick"
    NotebookClient(notebook, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error" and "raises-exception" not in c.metadata.get("tags", [])]
    assert not errors
