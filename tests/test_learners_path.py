"""The learners' path: every lesson's student notebook, run as a learner meets it on Colab.

Colab's environment, not a stand-in: a fresh virtual environment on Colab's Python minor
version (3.13, from pyenv) holds the packages of Colab's runtime that the lessons use
(TensorFlow, Keras, NumPy, pandas, Matplotlib, SciPy, IPython, ipykernel, ...), installed with
Colab's published package list (``colab/pip-freeze.txt``) as pip constraints, so that their whole
dependency closure has Colab's versions. Each lesson's student notebook runs there, top to
bottom, in one kernel whose working directory is outside the repository, with its own set-up
cell; the test replaces only the helper's pinned requirement by a wheel built from this checkout
(standing in for the repository address). Every exercise cell runs first as built (it must
answer with the one-line blanks message), then with the instructor's solution (its checker must
report ✓, in the solution's cells or, for a predict-then-run exercise, in a cell after them,
before the next exercise); every other cell, the quiz included, must run without error. Data
come through ``BOOK_DATA_DIR``, as in the build. After each lesson the environment is put back as
it was, so that every lesson starts as on a fresh Colab machine. One lesson also runs as a
learner who skips every exercise: each error must be one of the book's one-line messages.

The other paths: Binder's requirements resolve against the lock (what the book is built and
tested with), and the helper's wheel installs and imports on every supported Python.
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

from book.exercises import BLANK_MESSAGE, skipped_exercise_message
from conftest import ROOT

COLAB_LIST = ROOT / "colab" / "pip-freeze.txt"
# Colab's packages that a lesson notebook uses; their dependencies come along, at Colab's versions.
COLAB = ("tensorflow", "keras", "numpy", "pandas", "matplotlib", "scipy", "pillow", "pyyaml",
         "jinja2", "pydot", "ipython", "ipykernel")
LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("*.md"))
# The lesson a learner runs skipping every exercise (short, and a later cell needs an answer).
SKIPPING_LESSON = "05-least-squares-and-cross-entropy"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
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
ONE_LINE = re.compile("|".join([re.escape(BLANK_MESSAGE), "✗ Not yet: .*", re.escape(
    skipped_exercise_message("NAME", "EXERCISE")).replace("NAME", r"\w+").replace(
    "EXERCISE", r"Exercise \d+\.\d+")]))


def _pip(python, *args):
    result = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True,
                            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert result.returncode == 0, f"pip {' '.join(args)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result.stdout


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _freeze(python):
    """``{normalised name: version}`` of the packages installed in ``python``'s environment."""
    pairs = (line.split("==", 1) for line in _pip(python, "list", "--format=freeze").splitlines()
             if "==" in line)
    return {_normal(name): version for name, version in pairs}


def colab_constraints():
    """Colab's package list as pip constraints: ``(lines, dropped)``.

    Dropped: the lines that pin a direct address instead of a version (``name @ url``: Colab's
    own google-colab, its kernel gateway, spaCy's model, the CPU builds of PyTorch), which pip
    does not take as constraints; none of them is among the lessons' packages.
    """
    kept, dropped = [], []
    for line in COLAB_LIST.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        (dropped if " @ " in line else kept).append(line.strip())
    return kept, [line.split(" @ ")[0] for line in dropped]


def colab_python():
    """A Python of Colab's minor version (colab/os-info.txt): ``LEARNERS_BASE_PYTHON`` where set
    (GitHub's CI), else pyenv's newest patch release of it."""
    if os.environ.get("LEARNERS_BASE_PYTHON"):
        return Path(os.environ["LEARNERS_BASE_PYTHON"])
    minor = re.search(r"^Python (\d+\.\d+)\.", (ROOT / "colab" / "os-info.txt").read_text(),
                      flags=re.M).group(1)
    return _pyenv_python(minor)


def _pyenv_python(minor):
    """pyenv's newest patch release of Python ``minor`` ("3.13"); else this Python if it is one."""
    versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = [path for path in versions.glob(f"{minor}.*/bin/python{minor}")
             if re.fullmatch(rf"{re.escape(minor)}\.\d+", path.parts[-3])]
    if found:
        return max(found, key=lambda path: int(path.parts[-3].rsplit(".", 1)[1]))
    return Path(sys.executable) if f"{sys.version_info[0]}.{sys.version_info[1]}" == minor else None


@pytest.fixture(scope="session")
def colab(tmp_path_factory):
    """A virtual environment with Colab's packages only; returns (python, its packages).

    Made once per Python and package list, in ``~/.cache/cnn-book/learners-venv/`` (beside
    pip's cache: installing TensorFlow takes minutes); every lesson puts it back as it found it,
    and a copy whose packages differ in any way from those recorded at its making is made anew.
    ``LEARNERS_PYTHON=<python>`` uses that Python's environment instead (Colab's own, in its
    runtime image: see .github/workflows/weekly.yml).
    """
    if os.environ.get("LEARNERS_PYTHON"):
        python = Path(os.environ["LEARNERS_PYTHON"])
        return python, _freeze(python)
    base = colab_python()
    assert base, ("no Python of Colab's version under pyenv (colab/os-info.txt): install it "
                  "with pyenv install, or set LEARNERS_PYTHON")
    constraints, _ = colab_constraints()
    version = subprocess.run([str(base), "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout
    recipe = "Colab's list as constraints; what Colab lacks removed"   # new recipe, new key
    key = hashlib.sha256("\n".join([recipe, version, *COLAB, *constraints]).encode())
    key = key.hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "cnn-book" / "learners-venv" / key
    python, record = folder / "bin" / "python", folder / "colab-packages.json"
    start = time.monotonic()
    if record.is_file() and python.is_file() and _freeze(python) == json.loads(record.read_text()):
        return python, json.loads(record.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([str(base), "-m", "venv", str(folder)], check=True)
    listed = tmp_path_factory.mktemp("colab") / "constraints.txt"
    listed.write_text("\n".join(constraints) + "\n")
    _pip(python, "install", "-q", "--no-compile", "-c", str(listed), *COLAB)
    # What pip brought that Colab's runtime does not have (IPython's optional jedi): removed
    colab_names = {_normal(line.split("==")[0]) for line in constraints}
    absent = sorted(set(_freeze(python)) - colab_names - {"pip", "setuptools"})
    if absent:
        _pip(python, "uninstall", "-y", "-q", *absent)
    packages = _freeze(python)
    record.write_text(json.dumps(packages))
    TIMINGS["fresh environment"] = time.monotonic() - start
    return python, packages


def test_the_learners_environment_has_colabs_versions_throughout(colab):
    """Every package in it, dependencies included, at the version Colab's list names."""
    if os.environ.get("LEARNERS_PYTHON"):
        pytest.skip("LEARNERS_PYTHON: Colab's own environment")
    python, packages = colab
    listed = dict(line.split("==", 1) for line in colab_constraints()[0] if "==" in line)
    listed = {_normal(name): version for name, version in listed.items()}
    differing = {name: (version, listed.get(name)) for name, version in packages.items()
                 if name not in ("pip", "setuptools") and listed.get(name) != version}
    assert not differing, f"installed (ours, Colab's): {differing}"
    assert set(COLAB) <= set(packages)
    minor = ".".join(subprocess.run([str(python), "-c", "import sys; print(sys.version)"],
                                    capture_output=True, text=True).stdout.split(".")[:2])
    assert f"Python {minor}." in (ROOT / "colab" / "os-info.txt").read_text()


def test_colabs_list_is_vendored_with_its_commit_and_date():
    source = (ROOT / "colab" / "source.txt").read_text()
    assert re.search(r"^commit: [0-9a-f]{40}$", source, flags=re.M)
    assert re.search(r"^date: \d{4}-\d\d-\d\dT", source, flags=re.M)
    for name in ("pip-freeze.txt", "pip-freeze.gpu.txt", "os-info.txt", "os-info-gpu.txt"):
        assert (ROOT / "colab" / name).stat().st_size > 0, name
    _, dropped = colab_constraints()
    assert set(dropped) <= {"en_core_web_sm", "google-colab", "jupyter_kernel_gateway", "torch",
                            "torchaudio", "torchcodec", "torchvision"}, dropped


def test_refreshing_colabs_list_without_network_says_so_and_changes_nothing(tmp_path):
    copy = tmp_path / "colab"
    shutil.copytree(ROOT / "colab", copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    result = subprocess.run([sys.executable, str(copy / "refresh.py")], capture_output=True,
                            text=True, env={**os.environ, "https_proxy": "http://127.0.0.1:9",
                                            "HTTPS_PROXY": "http://127.0.0.1:9"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("No network:") and result.stderr.count("\n") == 1
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


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


def _lock_pins(python_version, names=None):
    """``name==version`` lines of requirements.lock for Linux CPython ``python_version``."""
    environment = {"python_version": python_version, "python_full_version": python_version + ".0",
                   "sys_platform": "linux", "implementation_name": "cpython",
                   "platform_system": "Linux", "platform_machine": "x86_64"}
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)\s*(?:;\s*(.*))?$", line.strip())
        if match and (match.group(3) is None or Marker(match.group(3)).evaluate(environment)):
            pins[_normal(match.group(1))] = match.group(2)
    return pins if names is None else {name: pins[name] for name in names}


# What ``import book, book.stats`` imports: NumPy, Matplotlib (and its own needs), PyYAML, SciPy.
IMPORT_CLOSURE = ("numpy", "scipy", "pyyaml", "matplotlib", "contourpy", "cycler", "fonttools",
                  "kiwisolver", "packaging", "pillow", "pyparsing", "python-dateutil", "six")


@pytest.mark.parametrize("minor", SUPPORTED_PYTHONS)
def test_the_helper_installs_and_imports_on_every_supported_python(helper_wheel, minor):
    """The wheel, ``--no-deps``, beside the lock's NumPy, Matplotlib, PyYAML and SciPy for that
    Python (an environment kept in ``~/.cache/cnn-book/``): pip accepts the wheel's
    ``Requires-Python`` and ``book`` imports without TensorFlow, which it needs only in a lesson."""
    python = _pyenv_python(minor)
    if python is None:
        pytest.skip(f"no Python {minor} under pyenv")
    pins = [f"{name}=={version}" for name, version in _lock_pins(minor, IMPORT_CLOSURE).items()]
    key = hashlib.sha256(" ".join([str(python), *pins]).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "cnn-book" / "wheel-venv" / f"{minor}-{key}"
    venv = folder / "bin" / "python"
    if not (folder / "complete").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([str(python), "-m", "venv", str(folder)], check=True)
        _pip(venv, "install", "-q", "--no-compile", "--only-binary", ":all:", "--no-deps", *pins)
        (folder / "complete").touch()
    _pip(venv, "install", "-q", "--no-compile", "--no-deps", "--no-index", "--force-reinstall",
         str(helper_wheel))
    code = ("import importlib.util, sys, book, book.stats, book.exercises, book.numbers; "
            "assert importlib.util.find_spec('tensorflow') is None; "
            "print(sys.version.split()[0], book.current_profile().name)")
    result = subprocess.run([str(venv), "-c", code], capture_output=True, text=True,
                            cwd=folder, env={**os.environ, "PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith(minor + "."), result.stdout


def _closure(requirements, extras_of=None):
    """The installed distributions that ``requirements`` need, recursively: ``{name: version}``,
    checking that each installed version satisfies every requirement met on the way."""
    from importlib import metadata

    from packaging.requirements import Requirement

    found, todo = {}, [(Requirement(text), "") for text in requirements]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = _normal(requirement.name)
        version = metadata.version(name)
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
        new_extras = [e for e in requirement.extras if (name, e) not in found]
        if name in found and not new_extras:
            continue
        found.setdefault(name, version)
        for text in metadata.requires(name) or []:
            for wanted in ("", *requirement.extras):
                todo.append((Requirement(text), wanted))
        for e in requirement.extras:
            found[(name, e)] = True
    return {name: version for name, version in found.items() if isinstance(name, str)}


def test_binder_resolves_to_the_locks_versions():
    """Binder's requirements (``binder/``): every pin is the lock's, on Binder's Python
    (``runtime.txt``, the one CI builds with), and they hold exactly what the helper with its
    TensorFlow and notebook extras needs, each pin satisfying every requirement on the way
    (read from this environment, which the lock installed)."""
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    minor = re.fullmatch(r"python-(\d+\.\d+)", runtime).group(1)
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert f"image: python:{minor}-" in ci, "Binder's Python is not the one CI builds with"
    pinned = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[_normal(name)] = version
    lock = _lock_pins(minor)
    assert {name: (v, lock.get(name)) for name, v in pinned.items() if lock.get(name) != v} == {}
    if f"{sys.version_info.major}.{sys.version_info.minor}" != minor:
        pytest.skip(f"the closure is read from an environment of Python {minor}")
    from book.notebooks import runtime_needs

    _, backend, needs = runtime_needs(ROOT)
    assert _closure([backend, *needs]) == pinned


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
        "display_name": "Colab", "language": "python"}))
    return KernelManager(kernel_name="colab",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder / "kernels")]))


def _text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def _as_a_learner(colab, helper_wheel, student, lesson, tmp_path, learner):
    """Run ``learner(run, cells)`` in a kernel of Colab's environment, after the lesson's set-up
    cell (with the helper from ``helper_wheel``); then put the environment back as it was."""
    python, colab_packages = colab
    setup = student.cells[0]
    assert "setup" in setup.metadata.get("tags", [])
    (pinned,) = re.findall(r'^HELPER = "(cnn-book @ git\+\S+@\S+)"$', setup.source, flags=re.M)
    workdir = tmp_path / "learner"
    workdir.mkdir()
    assert ROOT not in workdir.resolve().parents
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    env.update(PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}", BOOK_PROFILE="quick",
               KERAS_HOME=str(tmp_path / "keras"))
    notebook = nbformat.v4.new_notebook(metadata=student.metadata)
    client = NotebookClient(notebook, km=_kernel(python, tmp_path), timeout=1800)
    start = time.monotonic()
    try:
        with client.setup_kernel(cwd=str(workdir), env=env):
            def run(source, tags=(), allow_errors=False):
                cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
                notebook.cells.append(cell)
                client.allow_errors = allow_errors
                client.execute_cell(cell, len(notebook.cells) - 1)
                return cell

            run(BEFORE_SETUP)
            run(setup.source.replace(pinned, str(helper_wheel)))
            run(AFTER_SETUP)
            learner(run, [c for c in student.cells[1:] if c.cell_type == "code"])
    finally:
        TIMINGS[lesson] = TIMINGS.get(lesson, 0) + time.monotonic() - start
        installed = _freeze(python)
        added = sorted(set(installed) - set(colab_packages))
        if added:                                   # back to Colab's packages for the next lesson
            _pip(python, "uninstall", "-y", "-q", *added)
    changed = {name: (version, installed[name]) for name, version in colab_packages.items()
               if installed.get(name) != version}
    assert not changed, f"the set-up cell changed packages Colab already had: {changed}"
    assert "cnn-book" in added and "myst-nb" not in added, added


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_learner_runs_the_lesson_top_to_bottom(built_book, colab, helper_wheel, lesson, tmp_path):
    student, solutions = _cells(built_book, lesson)
    exercises = 0

    def learner(run, cells):
        nonlocal exercises
        unchecked = None     # a solution whose checker has not yet reported ✓
        for cell in cells:
            tags = cell.metadata.get("tags", [])
            if "exercise" in tags:
                assert unchecked is None, f"{lesson}: no checker reported ✓ after {unchecked!r}"
            ran = run(cell.source, tags, allow_errors="exercise" in tags)
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

    _as_a_learner(colab, helper_wheel, student, lesson, tmp_path, learner)
    assert exercises >= 1


def test_a_learner_who_skips_every_exercise_meets_one_line_messages(built_book, colab,
                                                                    helper_wheel, tmp_path):
    """Every cell in order, exercises left blank, on past errors: each error is one of the
    book's one-line messages, and a cell that needs a skipped exercise's answer names it."""
    lesson = SKIPPING_LESSON
    student, _ = _cells(built_book, lesson)
    errors = []

    def learner(run, cells):
        for cell in cells:
            ran = run(cell.source, cell.metadata.get("tags", []), allow_errors=True)
            errors.extend(error["traceback"] for error in _errors(ran))

    _as_a_learner(colab, helper_wheel, student, f"{lesson} (skipping)", tmp_path, learner)
    assert errors
    for traceback in errors:
        assert len(traceback) == 1 and ONE_LINE.fullmatch(traceback[0]), traceback[-3:]
    assert any("first (fill in its blanks" in traceback[0] for traceback in errors), errors
