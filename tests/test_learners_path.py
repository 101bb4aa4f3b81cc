"""The learners' path: every lesson's student notebook, run as a learner meets it on Colab.

A fresh virtual environment holds only what Colab brings (TensorFlow, Keras, NumPy, pandas,
Matplotlib, ipykernel, at the lock's versions, so pip takes them from its cache). Each lesson's
student notebook runs there, top to bottom, in one kernel whose working directory is outside the
repository, with its own set-up cell; the test replaces only the helper's pinned requirement by a
wheel built from this checkout (standing in for the repository address). Every exercise cell
runs first as built (it must answer with the one-line blanks message), then with the
instructor's solution (its checker must report ✓, in the solution's cells or, for a
predict-then-run exercise, in a cell after them, before the next exercise); every other cell, the quiz included, must run
without error. Data come through ``BOOK_DATA_DIR``, as in the build. After each lesson the
environment is put back as it was, so that every lesson starts as on a fresh Colab machine.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from packaging.markers import Marker

from book.exercises import BLANK_MESSAGE
from conftest import ROOT

COLAB = ("tensorflow", "keras", "numpy", "pandas", "matplotlib", "ipykernel")
LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("*.md"))
TIMINGS = {}

BEFORE_SETUP = """\
import importlib.util, os
from importlib.metadata import version
from pathlib import Path
assert importlib.util.find_spec("book") is None, "the helper is installed before the set-up cell"
assert importlib.util.find_spec("myst_nb") is None, "myst-nb is installed before the set-up cell"
here = Path.cwd()
assert not any((p / "quizzes").is_dir() for p in (here, *here.parents)), "inside a repository"
colab_tensorflow = version("tensorflow")
"""
AFTER_SETUP = """\
import sys
import book
assert version("tensorflow") == colab_tensorflow, (colab_tensorflow, version("tensorflow"))
assert Path(book.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), book.__file__
"""


def _pip(python, *args):
    result = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True,
                            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert result.returncode == 0, f"pip {' '.join(args)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result.stdout


def _locked(names):
    """``name==version`` from requirements.lock for this Python, for each of ``names``."""
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)\s*(?:;\s*(.*))?$", line.strip())
        if match and match.group(1).lower() in names:
            if match.group(3) is None or Marker(match.group(3)).evaluate():
                pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    assert set(pins) == set(names), f"not in requirements.lock: {set(names) - set(pins)}"
    return list(pins.values())


def _freeze(python):
    """``{normalised name: version}`` of the packages installed in ``python``'s environment."""
    pairs = (line.split("==", 1) for line in _pip(python, "list", "--format=freeze").splitlines()
             if "==" in line)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pairs}


@pytest.fixture(scope="session")
def colab():
    """A virtual environment with Colab's packages only; returns (python, its packages).

    Made once per Python and set of pins, in ``~/.cache/cnn-book/learners-venv/`` (beside pip's
    cache: installing TensorFlow takes minutes); every lesson puts it back as it found it, and a
    copy whose packages differ in any way from those recorded at its making is made anew.
    ``LEARNERS_PYTHON=<python>`` uses that Python's environment instead (Colab's own, in its
    runtime image: see .github/workflows/weekly.yml).
    """
    if os.environ.get("LEARNERS_PYTHON"):
        python = Path(os.environ["LEARNERS_PYTHON"])
        return python, _freeze(python)
    pins = _locked(COLAB)
    key = hashlib.sha256(" ".join([sys.version, *pins]).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "cnn-book" / "learners-venv" / key
    python, record = folder / "bin" / "python", folder / "colab-packages.json"
    start = time.monotonic()
    if record.is_file() and python.is_file() and _freeze(python) == json.loads(record.read_text()):
        return python, json.loads(record.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    _pip(python, "install", "-q", "--no-compile", *pins)
    packages = _freeze(python)
    record.write_text(json.dumps(packages))
    TIMINGS["fresh environment"] = time.monotonic() - start
    return python, packages


@pytest.fixture(scope="session")
def helper_wheel(tmp_path_factory):
    """A wheel of the helper package built from this checkout (copied, so the tree stays clean)."""
    source = tmp_path_factory.mktemp("helper-source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "book", source / "book", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    try:        # with this environment's setuptools; else pip fetches it from the registry
        _pip(sys.executable, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(source))
    except AssertionError:
        _pip(sys.executable, "wheel", "-q", "--no-deps", "-w", str(out), str(source))
    (wheel,) = out.glob("cnn_book-*.whl")
    return wheel


def _cells(built_book, lesson):
    """The student notebook's cells, with each exercise's solution cells from the instructor's."""
    def read(kind):
        path = built_book / "notebooks" / kind / f"{lesson}.ipynb"
        if not path.is_file() and os.environ.get("BOOK_HTML"):
            pytest.skip(f"{path} was not built (BOOK_HTML names a partial build)")
        return nbformat.read(path, as_version=4)

    student, instructor = read("student"), read("instructor")
    solutions, exercise = {}, None
    for cell in instructor.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if "exercise" in tags:
            exercise = cell.source
        elif "solution" in tags:
            solutions.setdefault(exercise, []).append(cell.source)
    return student, solutions


def _kernel(python, folder):
    spec = folder / "kernels" / "colab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python"}))
    return KernelManager(kernel_name="colab",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder / "kernels")]))


def _text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_learner_runs_the_lesson_top_to_bottom(built_book, colab, helper_wheel, lesson, tmp_path):
    python, colab_packages = colab
    student, solutions = _cells(built_book, lesson)
    setup = student.cells[0]
    assert "setup" in setup.metadata.get("tags", [])
    (pinned,) = re.findall(r'^HELPER = "(cnn-book @ git\+\S+@\S+)"$', setup.source, flags=re.M)
    setup.source = setup.source.replace(pinned, str(helper_wheel))

    workdir = tmp_path / "learner"
    workdir.mkdir()
    assert ROOT not in workdir.resolve().parents
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    env.update(PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}", BOOK_PROFILE="quick",
               KERAS_HOME=str(tmp_path / "keras"))
    notebook = nbformat.v4.new_notebook(metadata=student.metadata)
    client = NotebookClient(notebook, km=_kernel(python, tmp_path), timeout=1800)
    exercises = 0
    start = time.monotonic()
    try:
        with client.setup_kernel(cwd=str(workdir), env=env):
            def run(source, tags=()):
                cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
                notebook.cells.append(cell)
                client.execute_cell(cell, len(notebook.cells) - 1)
                return cell

            run(BEFORE_SETUP)
            run(setup.source)
            run(AFTER_SETUP)
            unchecked = None     # a solution whose checker has not yet reported ✓
            for cell in student.cells[1:]:
                if cell.cell_type != "code":
                    continue
                tags = cell.metadata.get("tags", [])
                if "exercise" in tags:
                    assert unchecked is None, f"{lesson}: no checker reported ✓ after {unchecked!r}"
                ran = run(cell.source, tags)
                if "✓" in _text(ran):             # predict-then-run: the checker comes later
                    unchecked = None
                if "exercise" in tags:
                    exercises += 1
                    errors = _errors(ran)
                    assert errors, f"{lesson}: an exercise cell with blanks ran without error"
                    assert errors[0]["traceback"] == [BLANK_MESSAGE], \
                        f"{lesson}: an exercise cell as built says {errors[0]['traceback'][-1:]!r}"
                    assert cell.source in solutions, f"{lesson}: no solution for an exercise"
                    outputs = "".join(_text(run(solution)) for solution in solutions[cell.source])
                    unchecked = None if "✓" in outputs else solutions[cell.source][-1][:60]
            assert unchecked is None, f"{lesson}: no checker reported ✓ after {unchecked!r}"
    finally:
        TIMINGS[lesson] = time.monotonic() - start
        installed = _freeze(python)
        added = sorted(set(installed) - set(colab_packages))
        if added:                                   # back to Colab's packages for the next lesson
            _pip(python, "uninstall", "-y", "-q", *added)
    changed = {name: (version, installed[name]) for name, version in colab_packages.items()
               if installed.get(name) != version}
    assert not changed, f"the set-up cell changed packages Colab already had: {changed}"
    assert "cnn-book" in added and "myst-nb" not in added, added
    assert exercises >= 1
