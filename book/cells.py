"""The code cells of a lesson, read from its MyST Markdown file, to run without Jupyter.

A lesson's code is in fences like::

    ```{code-cell} ipython3
    :tags: [solution]
    x = 1
    ```

with the cell's options either as ``:key: value`` lines or as a YAML block between ``---`` lines
at the top of the fence. ``code_cells(path)`` returns them in order as ``Cell(source, tags, line)``
(``line``: where the code starts in the file, for error messages).
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

OPENING = re.compile(r"^(`{3,})\{code-cell\}")


class CellsError(ValueError):
    """A lesson file whose code cells cannot be read."""


@dataclass(frozen=True)
class Cell:
    source: str
    tags: tuple
    line: int


def code_cells(path):
    """Every ``{code-cell}`` of the Markdown file at ``path``, in order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    cells, i = [], 0
    while i < len(lines):
        opening = OPENING.match(lines[i])
        if not opening:
            i += 1
            continue
        start, fence = i + 1, opening.group(1)
        end = next((j for j in range(start, len(lines)) if lines[j].strip() == fence), None)
        if end is None:
            raise CellsError(f"{path}:{i + 1}: code cell without its closing {fence}")
        body, options = lines[start:end], {}
        if body and body[0].strip() == "---":            # YAML options between two --- lines
            close = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
            if close is None:
                raise CellsError(f"{path}:{start + 1}: options block without its closing ---")
            options = yaml.safe_load("\n".join(body[1:close])) or {}
            body = body[close + 1:]
        else:
            while body and body[0].startswith(":"):      # :key: value lines
                key, _, value = body[0][1:].partition(":")
                options[key.strip()] = yaml.safe_load(value) if value.strip() else None
                body = body[1:]
        first = end - len(body) + 1
        cells.append(Cell("\n".join(body) + "\n", tuple(options.get("tags") or ()), first))
        i = end + 1
    return cells
