"""Student and instructor notebooks, made from each lesson at build time.

Both start with a set-up cell for Colab and Binder and turn the book's MyST markup into plain
Markdown that any Jupyter front end shows: ``{glue:text}`` numbers become the values computed in
the build, admonitions and exercise markers become bold headings. The instructor notebook keeps
everything with its outputs; the student notebook drops the solutions, the instructor notes and
all outputs.

A notebook needs nothing from the repository at run time: its quiz bank is embedded in the quiz
cell, and its set-up cell installs only what the environment lacks (never Colab's own
TensorFlow or Keras), with the helper package pinned, in one requirement on one line, to the
commit (or, outside git, the version) that built the notebook. Where the runtime cannot work
(a Python or TensorFlow too old, no network for pip), the set-up cell says so in one line.

Exercises are numbered as on the page (``Exercise 9.2``), and the set-up cell tells
``book.exercises`` which names only an exercise assigns, so that a cell run before that exercise
names it. Code cells that start with ``#@title`` show folded on Colab (``cellView: form``);
lessons whose training is heavy (``GPU_LESSONS``) ask Colab for a GPU runtime.
"""

import ast
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook

from .numbers import spaced_percent

SETUP_CELL = '''\
# Set-up for Colab and Binder: install what this notebook needs and the
# runtime lacks. The book's helper package is pinned to the commit that built
# this notebook; packages already installed (Colab's own TensorFlow, Keras,
# NumPy, ...) are kept as they are. A problem is said in one line.
import importlib, re, subprocess, sys, tempfile
from importlib.metadata import PackageNotFoundError, version

HELPER = "{helper}"
PYTHON = {python}
BACKEND = {backend!r}
NEEDS = {needs}
OFFLINE = ("Failed to establish a new connection|Could not resolve host|"
           "Temporary failure in name resolution|Network is unreachable")

try:
    from packaging.requirements import Requirement
except ImportError:                                  # pip has its own copy
    from pip._vendor.packaging.requirements import Requirement


class SetupError(Exception):
    """What is wrong with this runtime, and what to do."""

    def _render_traceback_(self):          # IPython shows this, no traceback
        return [str(self)]


def installed(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def pip_install(*arguments):
    with tempfile.NamedTemporaryFile("w", suffix="-pip.log",
                                     delete=False) as log:
        failed = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", *arguments],
            stdout=log, stderr=subprocess.STDOUT).returncode
    if failed and re.search(OFFLINE, open(log.name).read()):
        raise SetupError("pip could not download what this notebook needs: "
                         "this runtime has no network. Connect it to the "
                         "internet, then run this cell again.")
    if failed:
        raise SetupError(f"pip could not install {{arguments[-1]}} beside "
                         f"this runtime's packages (pip's report: "
                         f"{{log.name}}); try a fresh runtime.")


def check(requirement, name):
    """Say what to do if ``name``'s version is not what the book needs."""
    have = installed(name)
    if not requirement.specifier.contains(have, prereleases=True):
        wanted = f"{{requirement.name}}{{requirement.specifier}}"
        raise SetupError(
            f"This notebook needs {{wanted}}, and this runtime has {{name}} "
            f"{{have}}: run !pip install '{{wanted}}' in a cell, then restart "
            f"the runtime (Colab: Runtime > Restart session) and run again.")


if sys.version_info < PYTHON:
    raise SetupError(
        f"This notebook needs Python {{PYTHON[0]}}.{{PYTHON[1]}} or newer, "
        f"and this runtime has {{sys.version.split()[0]}}: start a newer one.")
found = [name for name in ("tensorflow", "tensorflow-cpu") if installed(name)]
if not found and not installed("jax"):
    raise SetupError(f"This notebook needs TensorFlow: run !pip install "
                     f"'{{BACKEND}}' in a cell, then run this cell again.")
for name in found:
    check(Requirement(BACKEND), name)
wanted = []
for requirement in map(Requirement, NEEDS):
    if requirement.marker and not requirement.marker.evaluate():
        continue                         # a requirement for another Python
    if installed(requirement.name):
        check(requirement, requirement.name)
    else:
        wanted.append(str(requirement))
if wanted:
    pip_install(*wanted)
if not installed("cnn-book"):
    pip_install("--no-deps", HELPER)
importlib.invalidate_caches()
import book.exercises  # from now on, a cell with blanks (____) says so'''

# Lessons whose training is heavy: their notebooks ask Colab for a GPU runtime, and their set-up
# cell says which device the runtime has.
GPU_LESSONS = ("07-", "08-")
COLAB_GPU = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}
DEVICE_LINES = '''
gpu = subprocess.run("nvidia-smi --query-gpu=name --format=csv,noheader",
                     shell=True, capture_output=True, text=True).stdout.strip()
print(f"This runtime has a GPU: {gpu}." if gpu else "This runtime has no GPU,"
      " and this lesson trains faster on one: Runtime > Change runtime type >"
      " T4 GPU, then run the notebook again.")'''

QUIZ_CALL = re.compile(r"""show_quiz\((["'])([\w-]+)\1\)""")
GLUE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
FENCE_START = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}\s*(.*)$")


def _glue_text(values, name, spec):
    if name not in values:
        return f"`{name}`"
    raw = values[name]["data"]["text/plain"]
    try:
        return spaced_percent(format(ast.literal_eval(raw), spec or ""))
    except (ValueError, SyntaxError, TypeError):
        return raw.strip("'\"")


def plain_markdown(text, glue_values):
    """MyST markup that Jupyter does not render, rewritten as plain Markdown."""
    text = GLUE.sub(lambda m: _glue_text(glue_values, m.group(1), m.group(2)), text)
    text = re.sub(r"\{(?:ref|numref|doc)\}`([^`<]*?)\s*(?:<[^>]*>)?`", r"\1", text)
    lines, out = text.splitlines(), []
    for line in lines:
        start = FENCE_START.match(line)
        if re.match(r"^\([\w-]+\)=\s*$", line) or re.match(r"^:[\w-]+:", line):
            continue                                   # targets and directive options
        if start:
            name, title = start.group(2), start.group(3).strip()
            if name in ("admonition", "exercise-start"):
                out.append(f"**{title or 'Exercise'}**")
            elif name not in ("exercise-end", "solution-start", "solution-end"):
                out.append(f"**{name.capitalize()}.**")
            continue
        if re.match(r"^(`{3,}|:{3,})\s*$", line):      # closing fences
            continue
        out.append(line)
    return "\n".join(out).strip()


def drop_instructor_notes(text):
    """Markdown without its ``{admonition}`` blocks of class ``instructor-note``."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        start = FENCE_START.match(lines[i])
        if start and start.group(2) == "admonition":
            options = []
            for line in lines[i + 1:]:
                if not re.match(r"^:[\w-]+:", line):
                    break
                options.append(line)
            if any(o.startswith(":class:") and "instructor-note" in o.split() for o in options):
                fence = start.group(1)
                i += 1
                while i < len(lines) and lines[i].rstrip() != fence:
                    i += 1
                i += 1                                  # past the closing fence
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _python_text(text):
    """``text`` as a Python string literal that shows it line by line."""
    if "\'\'\'" not in text and not text.endswith("\\"):
        return "r\'\'\'\n" + text.rstrip("\n") + "\n\'\'\'"
    return repr(text)


def embed_quizzes(source, quiz_dir: Path):
    """``show_quiz("name")`` calls with the bank ``quizzes/name.yml`` embedded as ``bank=``."""
    def embedded(match):
        bank = (quiz_dir / f"{match.group(2)}.yml").read_text(encoding="utf-8")
        return f"show_quiz({match.group(1)}{match.group(2)}{match.group(1)}, bank={_python_text(bank)})"
    return QUIZ_CALL.sub(embedded, source)


def helper_requirement(repository: str, root: Path):
    """The helper package pinned to the commit of ``root`` (outside git: the version's tag)."""
    try:
        ref = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        from importlib.metadata import version

        ref = "v" + version("cnn-book")
    return f"cnn-book @ git+{repository}@{ref}"


def runtime_needs(root: Path):
    """What a notebook's set-up cell checks, from ``pyproject.toml``: ``(python, backend, needs)``
    with the oldest Python as ``(3, 10)``, the TensorFlow requirement (never installed: Colab
    has its own) and the helper's requirements, its dependencies and the ``notebook`` extra,
    each with its environment marker, for example ``"scipy>=1.16.3; python_version >= '3.11'"``."""
    try:
        import tomllib
    except ImportError:                                   # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    python = tuple(int(part) for part in
                   re.fullmatch(r">=\s*(\d+)\.(\d+)", project["requires-python"]).groups())
    extras = project.get("optional-dependencies", {})
    (backend,) = extras["tensorflow"]
    return python, backend, [*project.get("dependencies", []), *extras.get("notebook", [])]


def setup_source(helper, python, backend, needs):
    """The set-up cell: ``helper`` on one line, then the checks and the packages installed only
    where missing."""
    body = "".join(f"\n    {requirement!r}," for requirement in needs)
    return SETUP_CELL.format(helper=helper, python=python, backend=backend,
                             needs="[" + body + "\n]")


def assigned_names(source):
    """The names a cell's code binds at its top level (assignments, ``def``, ``class``,
    ``import``); nothing for code that is not plain Python (IPython's ``%`` and ``!`` lines)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return                                        # its body is its own scope
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in names if name.strip("_")}


def number_exercises(cells, lesson_number):
    """Title each exercise as the page numbers it (``Exercise 9.2``); return, for each name that
    only an exercise's cells (its blanks or its solution) assign, that exercise's title."""
    answers, elsewhere, current, count = {}, set(), None, 0
    for cell in cells:
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            for i, line in enumerate(lines):
                start = FENCE_START.match(line)
                if start and start.group(2) == "exercise-start":
                    count += 1
                    title = start.group(3).strip()
                    current = f"Exercise {lesson_number}.{count}"
                    label = f"{current} ({title})" if title else current
                    lines[i] = f"{start.group(1)}{{exercise-start}} {label}"
            cell.source = "\n".join(lines)
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            names = assigned_names(cell.source)
            if current and ("exercise" in tags or "solution" in tags):
                for name in names:
                    answers.setdefault(name, current)
            else:
                elsewhere |= names
    return {name: title for name, title in sorted(answers.items()) if name not in elsewhere}


def _lesson_setup(setup, answers, stem):
    """The lesson's set-up cell: the common one, the names its exercises answer and, for a
    lesson that asks for a GPU, the device the runtime has."""
    if answers:
        listed = "".join(f"\n    {name!r}: {title!r}," for name, title in answers.items())
        setup += ("\n# A cell that needs an exercise's answer before it ran names it."
                  f"\nbook.exercises.answers_from_exercises({{{listed}\n}})")
    if stem.startswith(GPU_LESSONS):
        setup += DEVICE_LINES
    return setup


def _drop_solutions(cells):
    """Remove solution code cells and the solution text between the gated markers."""
    kept, in_solution = [], False
    for cell in cells:
        if cell.cell_type == "code":
            if not in_solution and "solution" not in cell.metadata.get("tags", []):
                kept.append(cell)
            continue
        lines = []
        for line in cell.source.splitlines():
            if re.match(r"^`{3,}\{solution-start\}", line):
                in_solution = True
            elif re.match(r"^`{3,}\{solution-end\}", line):
                in_solution = False
            elif not in_solution:
                lines.append(line)
        if any(line.strip() for line in lines):
            cell.source = "\n".join(lines)
            kept.append(cell)
    return kept


def make_notebooks(lesson_md: Path, cache, glue_json: Path, setup: str, quiz_dir: Path):
    """The (student, instructor) notebooks of one lesson; outputs come from the execution cache."""
    glue_values = json.loads(glue_json.read_text()) if glue_json.is_file() else {}
    source = lesson_md.read_text(encoding="utf-8")
    stem, number = lesson_md.stem, int(re.match(r"\d+", lesson_md.stem).group())
    _, instructor = cache.merge_match_into_notebook(read_myst_markdown_notebook(source))
    answers = number_exercises(instructor.cells, number)
    student = read_myst_markdown_notebook(source)
    number_exercises(student.cells, number)
    student.cells = _drop_solutions(student.cells)
    for cell in student.cells:
        if cell.cell_type == "markdown":
            cell.source = drop_instructor_notes(cell.source)
    for notebook in (student, instructor):
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = plain_markdown(cell.source, glue_values)
            elif cell.cell_type == "code":
                cell.metadata.pop("execution", None)
                if cell.source.startswith("#@title"):       # Colab folds it, showing the title
                    cell.metadata["cellView"] = "form"
                if QUIZ_CALL.search(cell.source):
                    cell.source = embed_quizzes(cell.source, quiz_dir)
                    cell.metadata["jupyter"] = {"source_hidden": True}   # the answers are in it
        notebook.cells = [c for c in notebook.cells if c.cell_type == "code" or c.source.strip()]
        notebook.cells.insert(0, nbformat.v4.new_code_cell(
            _lesson_setup(setup, answers, stem), metadata={"tags": ["setup"]}))
        notebook.metadata.pop("mystnb", None)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        if stem.startswith(GPU_LESSONS):
            notebook.metadata.update(COLAB_GPU)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student, instructor


def write_all(lessons, cache_path: Path, glue_dir: Path, out_dir: Path, root: Path, repository: str):
    """Write ``student/``, ``instructor/``, Binder's environment and a zip into ``out_dir``.

    ``root`` is the book's folder: its ``quizzes/``, ``binder/`` (``requirements.txt``, taken
    from the lock, and ``runtime.txt``) and ``pyproject.toml``, and the git commit the helper is
    pinned to.
    """
    from jupyter_cache import get_cache

    helper = helper_requirement(repository, root)
    setup = setup_source(helper, *runtime_needs(root))
    cache, written = get_cache(str(cache_path)), []
    for lesson_md in lessons:
        stem = lesson_md.stem
        student, instructor = make_notebooks(lesson_md, cache, glue_dir / f"{stem}.glue.json",
                                             setup, root / "quizzes")
        for kind, notebook in (("student", student), ("instructor", instructor)):
            path = out_dir / kind / f"{stem}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.validate(notebook)
            nbformat.write(notebook, path)
            written.append(path)
    binder = (root / "binder" / "requirements.txt").read_text().rstrip("\n")
    extras = helper.replace("cnn-book @", "cnn-book[notebook] @", 1)
    (out_dir / "requirements.txt").write_text(f"{binder}\n{extras}\n")
    shutil.copy(root / "binder" / "runtime.txt", out_dir / "runtime.txt")
    with zipfile.ZipFile(out_dir / "cnn-book-notebooks.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, path.relative_to(out_dir).as_posix())
    return written
