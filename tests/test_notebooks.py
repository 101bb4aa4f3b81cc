"""Student and instructor notebooks, launch buttons and downloads."""

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from book.cells import code_cells
from book.exercises import skipped_exercise_message
from book.notebooks import (GPU_LESSONS, assigned_names, drop_instructor_notes, number_exercises,
                            runtime_needs, setup_source, write_all)
from book.sphinx_ext.execution_cache import execution_cache_path
from book.sphinx_ext.launch_buttons import launch_links, use_repository_from_environment
from conftest import ROOT, errors_in_kernel

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
        assert any(line.startswith("import book.exercises")            # the blanks message
                   for line in setup.splitlines())
        assert not re.search(r"\btensorflow\b", setup.split("NEEDS", 1)[1].split("]", 1)[0])
    binder = (built_book / "notebooks" / "requirements.txt").read_text().splitlines()
    assert f"cnn-book[notebook] @ git+{repository}@{commit}" in binder
    assert "@main" not in " ".join(binder)
    assert (built_book / "notebooks" / "runtime.txt").read_text() == \
        (ROOT / "binder" / "runtime.txt").read_text()


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


@pytest.mark.parametrize("lesson", LESSONS)
def test_title_cells_fold_on_colab_in_both_notebooks(built_book, lesson):
    source = ROOT / "lessons" / f"{lesson}.md"
    lines = source.read_text().splitlines()
    starts = [i for i, line in enumerate(lines, 1) if line.startswith("```{solution-start}")]
    ends = [i for i, line in enumerate(lines, 1) if line.startswith("```{solution-end}")]

    def in_solution(cell):                     # students get no solution block at all
        return any(start < cell.line < end for start, end in zip(starts, ends))

    titled = {kind: sorted(c.source.splitlines()[0] for c in code_cells(source)
                           if c.source.startswith("#@title")
                           and (kind == "instructor" or not in_solution(c)))
              for kind in ("student", "instructor")}
    for kind in ("student", "instructor"):
        cells = [c for c in _notebook(built_book, kind, lesson).cells if c.cell_type == "code"]
        folded = [c.source.splitlines()[0] for c in cells if c.metadata.get("cellView") == "form"]
        assert folded == [c.source.splitlines()[0] for c in cells if c.source.startswith("#@title")]
        assert sorted(folded) == titled[kind]


@pytest.mark.parametrize("lesson", LESSONS)
def test_heavy_lessons_ask_colab_for_a_gpu_and_say_which_device_they_got(built_book, lesson):
    heavy = lesson.startswith(GPU_LESSONS)
    for kind in ("student", "instructor"):
        notebook = _notebook(built_book, kind, lesson)
        assert (notebook.metadata.get("accelerator") == "GPU") == heavy
        assert ("gpuType" in notebook.metadata.get("colab", {})) == heavy
        assert ("nvidia-smi" in notebook.cells[0].source) == heavy


@pytest.mark.parametrize("lesson", LESSONS)
def test_exercises_are_numbered_as_on_the_page_and_their_answers_named(built_book, lesson):
    number = int(lesson[:2])
    page = (built_book / "lessons" / f"{lesson}.html").read_text()
    on_page = re.findall(rf"Exercise {number}\.\d+", page)
    for kind in ("student", "instructor"):
        notebook = _notebook(built_book, kind, lesson)
        titles = re.findall(rf"^\*\*(Exercise {number}\.\d+)", "\n".join(
            c.source for c in notebook.cells if c.cell_type == "markdown"), flags=re.M)
        assert titles and sorted(set(titles)) == sorted(set(on_page)), (titles, set(on_page))
        setup = notebook.cells[0].source
        assert "book.exercises.answers_from_exercises({" in setup
        assert setup.index("import book.exercises") < setup.index("answers_from_exercises")


def test_a_name_that_only_an_exercise_assigns_points_to_that_exercise():
    cell = lambda kind, source, tags=(): SimpleNamespace(  # noqa: E731
        cell_type=kind, source=source, metadata={"tags": list(tags)})
    cells = [cell("code", "import numpy as np\nx = 1"),
             cell("markdown", "```{exercise-start}\n:label: a\n```"),
             cell("code", "my_guess = ____\nx = 2", ["exercise"]),
             cell("code", "my_guess = 3\ndef helper(y):\n    inner = y\n", ["solution"]),
             cell("markdown", "```{exercise-start} Predict\n:label: b\n```"),
             cell("code", "for my_k in range(3):\n    total = [j for j in range(my_k)]",
                  ["exercise"]),
             cell("code", "print(my_guess)")]
    assert number_exercises(cells, 9) == {"helper": "Exercise 9.1", "my_guess": "Exercise 9.1",
                                          "my_k": "Exercise 9.2", "total": "Exercise 9.2"}
    assert cells[4].source.startswith("```{exercise-start} Exercise 9.2 (Predict)")
    assert assigned_names("%timeit x = 1") == set()
    assert assigned_names("from a.b import c as d, e\nimport f.g") == {"d", "e", "f"}


def test_a_skipped_exercise_and_a_setup_problem_answer_in_one_line_in_a_kernel(tmp_path):
    """In a real kernel: a name that a skipped exercise assigns names the exercise; a typo keeps
    its traceback; the set-up cell's own errors show their one line."""
    setup = setup_source("cnn-book @ git+https://example.org/x@0", *runtime_needs(ROOT))
    error_class = setup[setup.index("class SetupError"):setup.index("def installed")]
    cells = ["import book.exercises\n"
             "book.exercises.answers_from_exercises({'my_prediction': 'Exercise 9.2'})",
             "print(my_prediction)", "modle", error_class + "raise SetupError('What to do.')"]
    errors = errors_in_kernel(cells, tmp_path)
    assert not errors[0]
    assert errors[1][0]["traceback"] == [skipped_exercise_message("my_prediction", "Exercise 9.2")]
    assert "\n" not in errors[1][0]["traceback"][0] and "Exercise 9.2 first" in errors[1][0]["traceback"][0]
    assert len(errors[2][0]["traceback"]) > 1          # any other NameError: IPython's usual traceback
    assert errors[3][0]["traceback"] == ["What to do."]


SETUP_RUNNER = """\
import json, sys
sys.path.insert(0, sys.argv[2])                       # fake installed versions come first
exec(sys.argv[3])
try:
    exec(open(sys.argv[1]).read())
except Exception as error:
    print(json.dumps([type(error).__name__, error._render_traceback_()]))
"""


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A fresh environment without the book's packages (its pip can still install)."""
    folder = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder / "bin" / "python"


def _fake_installed(folder, versions):
    for name, version in versions.items():
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


@pytest.mark.parametrize("case", ["old python", "no tensorflow", "old tensorflow", "old keras",
                                  "no network"])
def test_the_setup_cell_says_what_is_wrong_in_one_line(bare_python, tmp_path, case):
    fake = {"old tensorflow": {"tensorflow": "2.15.0"}, "old keras": {
        "tensorflow": "2.20.0", "keras": "3.10.0"}}.get(case, {"tensorflow": "2.20.0"})
    if case == "no tensorflow":
        fake = {}
    _fake_installed(tmp_path / "site", fake)
    (tmp_path / "site").mkdir(exist_ok=True)
    prelude = ("sys.version_info = (3, 9, 18, 'final', 0); sys.version = '3.9.18 (main)'"
               if case == "old python" else "")
    setup = tmp_path / "setup.py"
    setup.write_text(setup_source("cnn-book @ git+https://example.org/x@0", *runtime_needs(ROOT)))
    offline = {"PIP_INDEX_URL": "https://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "",
               "PIP_FIND_LINKS": "", "PIP_CONFIG_FILE": os.devnull, "PIP_RETRIES": "1",
               "PIP_TIMEOUT": "2", "PIP_NO_INPUT": "1"}
    result = subprocess.run([str(bare_python), "-c", SETUP_RUNNER, str(setup),
                             str(tmp_path / "site"), prelude], capture_output=True, text=True,
                            env={**os.environ, **offline}, timeout=300)
    name, lines = json.loads(result.stdout.strip().splitlines()[-1])
    assert name == "SetupError" and len(lines) == 1 and "\n" not in lines[0], lines
    expected = {"old python": "needs Python 3.10 or newer, and this runtime has 3.9.18",
                "no tensorflow": "needs TensorFlow: run !pip install 'tensorflow>=",
                "old tensorflow": "needs tensorflow<3,>=2.20, and this runtime has tensorflow "
                                  "2.15.0",
                "old keras": "and this runtime has keras 3.10.0",
                "no network": "this runtime has no network"}[case]
    assert expected in lines[0], lines[0]
    assert "ERROR" not in lines[0] and "Traceback" not in result.stdout


def test_a_release_build_leaves_no_placeholder_address(built_book, tmp_path, monkeypatch):
    """The release workflow's setting (``BOOK_REPOSITORY_URL``, the repository it runs in) moves
    every address of a notebook, its set-up cell and Binder's requirements to that repository."""
    placeholder = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    fork = "https://github.com/someone/their-fork"
    monkeypatch.setenv("BOOK_REPOSITORY_URL", fork + ".git")
    config = SimpleNamespace(html_theme_options={"repository_url": placeholder})
    use_repository_from_environment(None, config)
    assert config.html_theme_options["repository_url"] == fork
    built = [l for l in LESSONS if (built_book / "notebooks" / "student" / f"{l}.ipynb").is_file()]
    if not built:
        pytest.skip("BOOK_HTML names a build without lessons")
    lesson = built[0]
    written = write_all([ROOT / "lessons" / f"{lesson}.md"], execution_cache_path(ROOT, "quick"),
                        built_book.parent / "jupyter_execute" / "lessons", tmp_path, ROOT,
                        config.html_theme_options["repository_url"])
    texts = [path.read_text() for path in (*written, tmp_path / "requirements.txt")]
    assert all(urlpath(placeholder) not in text for text in texts)
    assert f"git+{fork}@" in texts[0] and f"git+{fork}@" in texts[-1]
    assert launch_links(fork, "notebooks", lesson)["Colab"].startswith(
        "https://colab.research.google.com/github/someone/their-fork/blob/notebooks/")


def urlpath(url):
    return url.split("://", 1)[1].split("/", 1)[1]      # cnn-textbook/cnn-book
