"""No exercise is answered just above it.

For each exercise, the *fills* are what its solution cell has and its exercise cell lacks:
numbers, strings and names (a multiset difference of Python tokens). An exercise gives its
answer away when

- a filled-in number (100 or more, or with 3 decimals) or string (not Keras's everyday
  vocabulary such as "relu"; quoted, as code shows it) appears in the visible prose or code
  of the same section before the exercise (folded cells, solutions and instructor notes are not visible);
- a filled-in name is imported in the exercise cell itself (an import line that lists the
  names to write), or
- a whole solution line (30 characters or more) is already written in a visible code cell of that section.
"""

import builtins
import io
import keyword
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest

from book.cells import code_cells

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
HIDDEN_TAGS = {"hide-cell", "hide-input", "remove-input", "remove-cell", "solution"}
# Keras's vocabulary, which every lesson uses; a fill of one of these gives nothing away
VOCABULARY = {"relu", "softmax", "sigmoid", "tanh", "linear", "same", "valid", "adam", "sgd",
              "accuracy", "float32", "channels_last"}


def _distinctive(number):
    """A number a reader could copy: 100 and more (not a round 100, 1000), or 3+ decimals."""
    value = float(number)
    if "." in number or "e" in number.lower():
        return len(number.split(".")[-1]) >= 3 and value != 0
    return value >= 100 and value not in (100, 1000, 10000)


def _tokens(source):
    try:
        return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def fills(exercise, solution):
    """The tokens the student writes: the solution's tokens less the exercise cell's."""
    missing = Counter(_tokens(solution)) - Counter(_tokens(exercise))
    numbers, strings, names = set(), set(), set()
    for (kind, text) in missing:
        if kind == tokenize.NUMBER and _distinctive(text.replace("_", "")):
            numbers.add(text.replace("_", ""))
        elif (kind == tokenize.STRING and len(text.strip("'\"")) >= 3
              and text.strip("'\"") not in VOCABULARY):
            strings.add(text.strip("'\""))
        elif (kind == tokenize.NAME and not keyword.iskeyword(text)
              and not hasattr(builtins, text) and len(text) >= 3):
            names.add(text)
    return numbers, strings, names


def _number_forms(number):
    """How a number can be written in prose: 1248, 1,248, 1 248."""
    forms = {number}
    if number.isdigit() and len(number) > 3:
        forms.add(f"{int(number):,}")
        forms.add(f"{int(number):,}".replace(",", "{,}"))
    return forms


def exercises(path):
    """``(label, section_text_before, exercise_source, solution_source, visible_code)``."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    cells = code_cells(path)
    cell_lines = {}
    for cell in cells:                 # cell.line: first source line (1-based)
        span = range(cell.line - 1, cell.line - 1 + cell.source.count("\n"))
        for index in span:
            cell_lines[index] = cell
    headings = [i for i, line in enumerate(lines)
                if re.match(r"^#{1,6} ", line) and i not in cell_lines]
    found = []
    for i, line in enumerate(lines):
        if not line.startswith("```{exercise-start}"):
            continue
        label_match = re.search(r":label:\s*(\S+)", "\n".join(lines[i:i + 3]))
        label = label_match.group(1) if label_match else f"line {i + 1}"
        end = next(j for j in range(i, len(lines)) if lines[j].startswith("```{exercise-end}"))
        solution_start = next((j for j in range(end, len(lines))
                               if lines[j].startswith("```{solution-start}")), None)
        if solution_start is None:
            continue
        solution_end = next(j for j in range(solution_start, len(lines))
                            if lines[j].startswith("```{solution-end}"))
        exercise_cells = [c for c in cells if i < c.line - 1 < end and "exercise" in c.tags]
        solution_cells = [c for c in cells if solution_start < c.line - 1 < solution_end]
        if not exercise_cells or not solution_cells:
            continue
        section = max([h for h in headings if h < i], default=0)
        visible_prose, visible_code, hidden_until = [], [], -1
        for j in range(section, i):
            if j <= hidden_until:
                continue
            if lines[j].startswith("```{solution-start}") or "instructor-note" in lines[j] \
                    or lines[j].startswith(":::{admonition} Instructor"):
                closing = "```{solution-end}" if lines[j].startswith("```") else ":::"
                hidden_until = next((k for k in range(j + 1, i) if lines[k].startswith(closing)),
                                    i)
                continue
            cell = cell_lines.get(j)
            if cell is None:
                visible_prose.append(lines[j])
            elif not (HIDDEN_TAGS & set(cell.tags)):
                visible_code.append(lines[j])
        found.append((label, "\n".join(visible_prose + visible_code),
                      "".join(c.source for c in exercise_cells),
                      "".join(c.source for c in solution_cells), visible_code))
    return found


CASES = [(path, case) for path in LESSONS for case in exercises(path)]


@pytest.mark.parametrize("path, case", CASES, ids=[f"{p.stem[:2]}-{c[0]}" for p, c in CASES])
def test_no_exercise_is_answered_just_above_it(path, case):
    label, visible, exercise, solution, visible_code = case
    numbers, strings, names = fills(exercise, solution)
    problems = []
    for number in numbers:
        for form in _number_forms(number):
            if re.search(rf"(?<![\w.]){re.escape(form)}(?![\w]|\.\d)", visible):
                problems.append(f"the answer's number {form} is shown above the exercise")
                break
    problems += [f"the answer's string {s!r} is shown above the exercise"
                 for s in strings
                 if re.search(rf"[`'\"]{re.escape(s)}[`'\"]", visible)]
    imports = "\n".join(line for line in exercise.splitlines()
                        if re.match(r"\s*(from|import)\s", line))
    exercise_names = {text for kind, text in _tokens(imports) if kind == tokenize.NAME}
    problems += [f"the name {n!r} to fill in is imported in the exercise cell"
                 for n in sorted(names & exercise_names)]
    code_above = {line.strip() for line in visible_code}
    problems += [f"the solution line {line.strip()!r} is already written above"
                 for line in solution.splitlines()
                 if len(line.strip()) >= 30 and line.strip() in code_above
                 and line.strip() not in exercise]
    assert not problems, f"{path.name}, exercise {label}:\n- " + "\n- ".join(problems)


def test_the_giveaway_check_sees_an_import_line_and_a_number():
    exercise = "from keras.layers import Conv2D, Dense\nmodel = ____([____(8, 3)])\n"
    solution = "from keras.layers import Conv2D, Dense\nmodel = keras.Sequential([Conv2D(8, 3)])\n"
    numbers, strings, names = fills(exercise, solution)
    assert "Conv2D" in names and "keras" in names
    numbers, _, _ = fills("units = ____\n", "units = 1248\n")
    assert numbers == {"1248"} and "1,248" in _number_forms("1248")
