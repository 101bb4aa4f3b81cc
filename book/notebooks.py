"""Student and instructor notebooks, made from each lesson at build time.

Both start with a set-up cell for Colab and Binder and turn the book's MyST markup into plain
Markdown that any Jupyter front end shows: ``{glue:text}`` numbers become the values computed in
the build, admonitions and exercise markers become bold headings. The instructor notebook keeps
everything with its outputs; the student notebook drops the solutions, the instructor notes and
all outputs.

A notebook needs nothing from the repository at run time: its quiz bank is embedded in the quiz
cell, and its set-up cell installs only what the environment lacks (never Colab's own
TensorFlow or Keras), with the helper package pinned, in one requirement on one line, to the
commit (or, outside git, the version) that built the notebook.
"""

import ast
import json
import re
import subprocess
import zipfile
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook

SETUP_CELL = '''\
# Set-up for Colab and Binder: install what this notebook needs and the environment lacks.
# The book's helper package is pinned to the commit that built this notebook; packages already
# installed (Colab's own TensorFlow, Keras, NumPy, ...) are kept as they are.
import importlib, subprocess, sys
from importlib.metadata import PackageNotFoundError, version

HELPER = "{helper}"
NEEDS = {needs}


def missing(name):
    try:
        version(name)
        return False
    except PackageNotFoundError:
        return True


wanted = [requirement for name, requirement in NEEDS.items() if missing(name)]
if wanted:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *wanted])
if missing("cnn-book"):
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", HELPER])
importlib.invalidate_caches()
import book.exercises  # from here on, a cell run with blanks (____) left says so in one line'''

QUIZ_CALL = re.compile(r"""show_quiz\((["'])([\w-]+)\1\)""")
GLUE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
FENCE_START = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}\s*(.*)$")


def _glue_text(values, name, spec):
    if name not in values:
        return f"`{name}`"
    raw = values[name]["data"]["text/plain"]
    try:
        return format(ast.literal_eval(raw), spec or "")
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
    """``{distribution: requirement}`` the helper needs in a notebook (its dependencies and the
    ``notebook`` extra), from ``pyproject.toml`` or, without it, the installed metadata."""
    from packaging.requirements import Requirement

    try:
        import tomllib
    except ImportError:                                   # Python 3.10
        tomllib = None
    pyproject = root / "pyproject.toml"
    if tomllib is not None and pyproject.is_file():
        project = tomllib.loads(pyproject.read_text())["project"]
        listed = [*project.get("dependencies", []),
                  *project.get("optional-dependencies", {}).get("notebook", [])]
    else:
        from importlib.metadata import requires

        listed = [r for r in requires("cnn-book") or []
                  if ";" not in r or "extra == \"notebook\"" in r]
    needs = {}
    for text in listed:
        requirement = Requirement(text)
        requirement.marker = None
        needs[requirement.name] = str(requirement)
    return needs


def setup_source(helper, needs):
    """The set-up cell: ``helper`` on one line, then the packages installed only where missing."""
    body = "".join(f"\n    {name!r}: {requirement!r}," for name, requirement in needs.items())
    return SETUP_CELL.format(helper=helper, needs="{" + body + "\n}")


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
    _, instructor = cache.merge_match_into_notebook(read_myst_markdown_notebook(source))
    student = read_myst_markdown_notebook(source)
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
                if QUIZ_CALL.search(cell.source):
                    cell.source = embed_quizzes(cell.source, quiz_dir)
                    cell.metadata["jupyter"] = {"source_hidden": True}   # the answers are in it
        notebook.cells = [c for c in notebook.cells if c.cell_type == "code" or c.source.strip()]
        notebook.cells.insert(0, nbformat.v4.new_code_cell(setup, metadata={"tags": ["setup"]}))
        notebook.metadata.pop("mystnb", None)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student, instructor


def write_all(lessons, cache_path: Path, glue_dir: Path, out_dir: Path, root: Path, repository: str):
    """Write ``student/``, ``instructor/``, the Binder requirements and a zip into ``out_dir``.

    ``root`` is the book's folder: its ``quizzes/``, ``binder/requirements.txt`` and
    ``pyproject.toml``, and the git commit the helper is pinned to.
    """
    from jupyter_cache import get_cache

    helper = helper_requirement(repository, root)
    setup = setup_source(helper, runtime_needs(root))
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
    with zipfile.ZipFile(out_dir / "cnn-book-notebooks.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, path.relative_to(out_dir).as_posix())
    return written
