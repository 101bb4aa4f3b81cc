"""Student and instructor notebooks, made from each lesson at build time.

Both start with a set-up cell for Colab and Binder and turn the book's MyST markup into plain
Markdown that any Jupyter front end shows: ``{glue:text}`` numbers become the values computed in
the build, admonitions and exercise markers become bold headings. The instructor notebook keeps
everything with its outputs; the student notebook drops the solutions and all outputs.
"""

import ast
import json
import re
import zipfile
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook

SETUP_CELL = '''\
# Set-up for Colab and Binder: install the book's helper package where it is missing.
import importlib.util, os
os.environ.setdefault("BOOK_REPOSITORY", "{repository}")   # where quizzes are read from
if importlib.util.find_spec("book") is None:
    %pip install -q "cnn-book[notebook] @ git+{repository}@main"'''

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


def make_notebooks(lesson_md: Path, cache, glue_json: Path, repository: str):
    """The (student, instructor) notebooks of one lesson; outputs come from the execution cache."""
    glue_values = json.loads(glue_json.read_text()) if glue_json.is_file() else {}
    source = lesson_md.read_text(encoding="utf-8")
    _, instructor = cache.merge_match_into_notebook(read_myst_markdown_notebook(source))
    student = read_myst_markdown_notebook(source)
    student.cells = _drop_solutions(student.cells)
    for notebook in (student, instructor):
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = plain_markdown(cell.source, glue_values)
            elif cell.cell_type == "code":
                cell.metadata.pop("execution", None)
        notebook.cells = [c for c in notebook.cells if c.cell_type == "code" or c.source.strip()]
        setup = SETUP_CELL.format(repository=repository)
        notebook.cells.insert(0, nbformat.v4.new_code_cell(setup, metadata={"tags": ["setup"]}))
        notebook.metadata.pop("mystnb", None)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student, instructor


def write_all(lessons, cache_path: Path, glue_dir: Path, out_dir: Path, binder_requirements: Path,
              repository: str):
    """Write ``student/``, ``instructor/``, the Binder requirements and a zip into ``out_dir``."""
    from jupyter_cache import get_cache

    cache, written = get_cache(str(cache_path)), []
    for lesson_md in lessons:
        stem = lesson_md.stem
        student, instructor = make_notebooks(lesson_md, cache, glue_dir / f"{stem}.glue.json", repository)
        for kind, notebook in (("student", student), ("instructor", instructor)):
            path = out_dir / kind / f"{stem}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.validate(notebook)
            nbformat.write(notebook, path)
            written.append(path)
    (out_dir / "requirements.txt").write_text(binder_requirements.read_text())
    with zipfile.ZipFile(out_dir / "cnn-book-notebooks.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, path.relative_to(out_dir).as_posix())
    return written
