"""Source lints of the lessons' prose: comparisons, Markdown traps, number formats, code width.

- **Comparison words** (higher, lower, beats, wider, narrower, above, below, helps, costs,
  more, less; "above" and "below" only where something follows that they compare with, not
  "the cell below."): a sentence of a lesson's prose that uses one must take its verdict from
  ``book.stats`` (it contains a glued ``..._verdict``), or be listed in the lesson's allowlist
  ``tests/prose_allowlist/<lesson>.txt``, one fragment per line, for sentences that compare no
  runs ("more parameters" is arithmetic). An allowlist line that matches no sentence fails
  too, so the list cannot go stale.
- **Markdown traps**: a paragraph line that begins with ``+``, ``-``, ``*`` or ``1.`` after
  a line of text turns into a list (CommonMark lets a list interrupt a paragraph); a paragraph
  with an odd number of ``$`` leaves math unbalanced.
- **One format per glued number**: a glued name is shown with the same format spec wherever
  the lesson uses it, so a value is rounded the same way in every sentence.
- **Code within 79 characters** in every code cell.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
ALLOWLISTS = ROOT / "tests" / "prose_allowlist"
COMPARISON = re.compile(
    r"\b(higher|lower|beats?|wider|narrower|helps|costs|more|less)\b"
    # "above"/"below" compare only when something follows; "the cell below." points
    r"|\b(above|below)\b(?!\s*(?:[.,:;)]|$|(?:explains|shows|is|are|we|you|gives|"
    r"prints|computes|runs|trains|checks|does|with|in|on|for|to|and|it|this)\b))",
    re.IGNORECASE)
GLUE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
FENCE = re.compile(r"^(`{3,}|:{3,}|~{3,})")
LIST_MARKER = re.compile(r"^(?:[-+*]|1[.)])(?:\s|$)")


def _blocks(text):
    """``(kind, lines)`` blocks of a lesson: 'code' for fenced code cells and code blocks,
    'math' for ``$$`` displays, 'prose' for everything else (directive fences dropped, their
    content kept as prose, their ``:option:`` lines dropped)."""
    lines = text.split("\n")
    if lines and lines[0] == "---":                  # front matter
        end = lines.index("---", 1)
        lines = lines[end + 1:]
    kind, fence, out, current = "prose", None, [], []
    directives = []                                  # open directive fences (prose inside)
    for line in lines:
        stripped = line.strip()
        if kind == "prose":
            match = FENCE.match(stripped)
            if match and directives and stripped == directives[-1]:
                directives.pop()                     # a directive closes
                current.append("")
                continue
            if match:
                name = re.match(r"[`:~]{3,}\{?([\w-]*)\}?", stripped).group(1)
                is_directive = stripped[len(match.group(1)):].startswith("{")
                if name == "math":
                    out.append(("prose", current))
                    current, kind, fence = [], "math-fence", match.group(1)
                elif is_directive and name not in ("code-cell", "code", "code-block"):
                    directives.append(match.group(1))
                    current.append("")
                else:
                    out.append(("prose", current))
                    current, kind, fence = [], "code", match.group(1)
                continue
            if stripped.startswith("$$"):
                out.append(("prose", current))
                current, kind = [], "math"
                if stripped.count("$$") >= 2 and len(stripped) > 2:
                    out.append(("math", [line]))
                    current, kind = [], "prose"
                continue
            if re.match(r"^:[\w-]+:", stripped) or stripped.startswith("%"):
                current.append("")
                continue
            current.append(line)
        elif kind in ("code", "math-fence"):
            if stripped == fence:
                out.append(("code" if kind == "code" else "math", current))
                current, kind = [], "prose"
            else:
                current.append(line)
        else:                                          # $$ math
            if "$$" in stripped:
                out.append(("math", current))
                current, kind = [], "prose"
            else:
                current.append(line)
    out.append((kind, current))
    return out


def _paragraphs(text):
    for kind, lines in _blocks(text):
        if kind != "prose":
            continue
        paragraph = []
        for line in lines + [""]:
            if line.strip():
                paragraph.append(line)
            elif paragraph:
                yield paragraph
                paragraph = []


def _plain(sentence):
    """A sentence without inline code, math and role markup, glue kept as ``{name}``."""
    sentence = GLUE.sub(lambda m: "{" + m.group(1) + "}", sentence)
    sentence = re.sub(r"``?[^`]*``?", " ", sentence)
    sentence = re.sub(r"\$[^$]*\$", " ", sentence)
    sentence = re.sub(r"\{[\w:-]+\}", lambda m: m.group(0) if "_" in m.group(0) or
                      m.group(0)[1:-1].isidentifier() else " ", sentence)
    return re.sub(r"\s+", " ", sentence).strip()


def _sentences(text):
    for paragraph in _paragraphs(text):
        joined = " ".join(line.strip() for line in paragraph)
        for sentence in re.split(r"(?<=[.!?:;])\s+(?=[A-Z(*\"'{])|^\s*[-*+]\s+", joined):
            if sentence and sentence.strip():
                yield sentence.strip()


def _allowlist(lesson):
    path = ALLOWLISTS / f"{lesson.stem}.txt"
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def comparison_findings(lesson):
    """Sentences with a comparison word and no glued verdict, not allowlisted; stale entries."""
    allowed = _allowlist(lesson)
    used, findings = set(), []
    for sentence in _sentences(lesson.read_text(encoding="utf-8")):
        names = [m.group(1) for m in GLUE.finditer(sentence)]
        plain = _plain(sentence)
        if not COMPARISON.search(plain) or any(n.endswith("_verdict") for n in names):
            continue
        hits = [fragment for fragment in allowed if fragment in plain]
        if hits:
            used.update(hits)
        else:
            findings.append(plain)
    stale = [fragment for fragment in allowed if fragment not in used]
    return findings, stale


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_run_comparisons_take_their_words_from_a_verdict(lesson):
    findings, stale = comparison_findings(lesson)
    assert not findings, (
        f"{lesson.name}: these sentences use a comparison word without a glued verdict "
        f"(glue_estimate's ..._verdict); if a sentence compares no runs, add a fragment of it "
        f"to tests/prose_allowlist/{lesson.stem}.txt:\n- " + "\n- ".join(findings))
    assert not stale, (f"tests/prose_allowlist/{lesson.stem}.txt: these lines match no "
                       f"sentence any more; remove them:\n- " + "\n- ".join(stale))


def markdown_traps(text):
    """``(line, problem)`` for accidental lists and unbalanced ``$`` in prose paragraphs."""
    problems = []
    for paragraph in _paragraphs(text):
        in_list = bool(LIST_MARKER.match(paragraph[0].lstrip())) or \
            bool(re.match(r"^\s*\d+[.)]\s", paragraph[0]))
        for previous, line in zip(paragraph, paragraph[1:]):
            starts_list = LIST_MARKER.match(line)       # unindented marker only
            if starts_list and not in_list and not previous.lstrip().startswith("|"):
                problems.append((line.strip(), "a paragraph line starting with "
                                 f"{line.strip()[:2]!r} becomes a list item"))
        prose = re.sub(r"``?[^`]*``?", "", " ".join(paragraph)).replace(r"\$", "")
        if prose.count("$") % 2:
            problems.append((paragraph[0].strip(), "unbalanced $ in this paragraph"))
    return problems


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_no_markdown_traps(lesson):
    problems = markdown_traps(lesson.read_text(encoding="utf-8"))
    assert not problems, f"{lesson.name}:\n" + "\n".join(f"- {why}: {line!r}"
                                                         for line, why in problems)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_glued_number_keeps_one_format(lesson):
    specs = {}
    for match in GLUE.finditer(lesson.read_text(encoding="utf-8")):
        specs.setdefault(match.group(1), set()).add(match.group(2) or "")
    mixed = {name: sorted(found) for name, found in specs.items() if len(found) > 1}
    assert not mixed, f"{lesson.name}: one glued value shown with several formats: {mixed}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_code_lines_fit_79_columns(lesson):
    long = [line for kind, lines in _blocks(lesson.read_text(encoding="utf-8"))
            if kind == "code" for line in lines if len(line) > 79]
    assert not long, f"{lesson.name}: code lines over 79 characters:\n" + "\n".join(long)


def test_the_lints_catch_what_they_are_for():
    text = ("Intro.\n\nThe sum is 1\n+ (-7) = -6, and CNN1 is higher than the dense network.\n\n"
            "A $x paragraph.\n\nFine: {glue:text}`a_verdict` than the other.\n")
    traps = markdown_traps(text)
    assert [why.split(" ")[0] for _, why in traps] == ["a", "unbalanced"]
    sentences = [s for s in _sentences(text) if COMPARISON.search(_plain(s))]
    assert len(sentences) == 1 and "CNN1 is higher" in sentences[0]
    listed = "Steps:\n\n- one\n- two\n  continued\n- three\n"
    assert markdown_traps(listed) == []
