"""``{schedule}``: minutes per lesson for instructors, stated and measured.

Each lesson states in its front matter how long it takes to teach and to do its exercises
(``teaching: 35`` and ``exercises: 15``, the Carpentries' convention). The Schedule page shows
those minutes beside what can be measured: how long the core of the lesson takes to read (prose
at ``WORDS_PER_MINUTE``, code at ``CODE_LINES_PER_MINUTE``; optional deep dives, instructor
notes, hidden cells, exercises and their solutions left out) and how long its code ran in this
build. A lesson whose core takes longer to read than 90 % of its stated teaching time (room for
questions), or whose teaching time is outside 30-45 minutes, is flagged.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

from .pages import lesson_stem

WORDS_PER_MINUTE = 200           # MyST's own estimate of reading speed (words_per_minute)
CODE_LINES_PER_MINUTE = 15       # a line of code, with its output, every four seconds
TEACHING_RANGE = (30, 45)        # what the front page promises per lesson
CORE_SHARE = 0.9                 # the core reads in at most 90 % of the teaching time
SESSION_MINUTES = 120            # one teaching session in the suggested plan
# Code the reader does not read as part of the core: folded deep dives, hidden plumbing,
# exercises and their solutions (exercise time)
NOT_CORE_TAGS = {"hide-cell", "remove-cell", "remove-input", "exercise", "solution"}
FENCE = re.compile(r"^(`{3,}|:{3,})\{([\w:-]+)\}\s*(.*)$")


class ScheduleError(ValueError):
    """A lesson's front matter lacks its minutes or states them wrongly."""


@dataclass
class LessonTime:
    stem: str
    title: str
    teaching: int
    exercises: int
    words: int
    code_lines: int
    exercise_count: int

    @property
    def reading(self):
        """Minutes to read the core of the lesson, prose and code."""
        return self.words / WORDS_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE

    def problems(self):
        low, high = TEACHING_RANGE
        found = []
        if not low <= self.teaching <= high:
            found.append(f"teaching time outside {low}-{high} min")
        if self.reading > CORE_SHARE * self.teaching:
            found.append(f"the core takes {self.reading:.1f} min to read, more than "
                         f"{CORE_SHARE:.0%} of its {self.teaching} min")
        return found


def _front_matter(text, source):
    match = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    meta = yaml.safe_load(match.group(1)) if match else {}
    for key in ("teaching", "exercises"):
        value = (meta or {}).get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ScheduleError(
                f"{source}: the front matter needs '{key}: <minutes>' (a whole number), "
                f"found {value!r}. Add it beside 'kernelspec:' at the top of the lesson.")
    return meta


def _core_prose(markdown):
    """The words of a Markdown cell outside instructor notes, deep dives and exercises."""
    kept, skipping = [], None                 # the fence that closes the skipped block
    lines = markdown.splitlines()
    for number, line in enumerate(lines):
        start = FENCE.match(line)
        if skipping is None and start:
            marker, name, argument = start.groups()
            following = lines[number + 1] if number + 1 < len(lines) else ""
            if name in ("solution-start", "exercise-start"):
                skipping = name.replace("start", "end")
            elif argument.startswith("Deep dive") or "instructor-note" in following:
                skipping = marker
            continue
        if skipping in ("solution-end", "exercise-end"):
            if FENCE.match(line) and skipping in line:
                skipping = None
        elif skipping is not None:
            if line.strip() == skipping:
                skipping = None
        elif not line.startswith(":") and not re.match(r"^(`{3,}|:{3,})\s*$", line):
            kept.append(line)
    return len(re.findall(r"[A-Za-z0-9][\w'’.,-]*", "\n".join(kept)))


def lesson_time(path):
    """Stated and measured minutes of the lesson at ``path`` (MyST Markdown)."""
    from myst_nb.core.read import read_myst_markdown_notebook

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    meta = _front_matter(text, path)
    notebook = read_myst_markdown_notebook(text)
    words = code_lines = 0
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            words += _core_prose(cell.source)
        elif not NOT_CORE_TAGS & set(tags):
            code_lines += sum(1 for line in cell.source.splitlines()
                              if line.strip() and not line.lstrip().startswith("#"))
    title = next((line[2:].strip() for line in text.splitlines()
                  if line.startswith("# ")), path.stem)
    return LessonTime(path.stem, title, meta["teaching"], meta["exercises"], words,
                      code_lines, text.count("{exercise-start}"))


def _run_seconds(env, docname):
    from myst_nb.sphinx_ import NbMetadataCollector

    data = NbMetadataCollector.get_exec_data(env, docname) or {}
    return data.get("runtime")


def sessions(times, length=SESSION_MINUTES):
    """Lessons packed in reading order into sessions of at most ``length`` minutes."""
    plan, current, used = [], [], 0
    for time in times:
        minutes = time.teaching + time.exercises
        if current and used + minutes > length:
            plan.append(current)
            current, used = [], 0
        current.append(time)
        used += minutes
    return plan + ([current] if current else [])


def schedule_markdown(times, run_seconds):
    rows = ["| lesson | teaching (min) | exercises (min) | core to read (min) | "
            "exercises | code ran in this build | fits? |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for time in times:
        seconds = run_seconds.get(time.stem)
        ran = f"{seconds:.0f} s" if seconds is not None else "not run"
        verdict = "; ".join(time.problems()) or "✓"
        rows.append(f"| [{time.title}](lessons/{time.stem}.md) | {time.teaching} | "
                    f"{time.exercises} | {time.reading:.0f} | {time.exercise_count} | "
                    f"{ran} | {verdict} |")
    total = sum(t.teaching + t.exercises for t in times)
    plan = [f"- Session {number}, {sum(t.teaching + t.exercises for t in session)} min: "
            + ", ".join(t.title for t in session)
            for number, session in enumerate(sessions(times), start=1)]
    return "\n".join(rows) + (
        f"\n\nIn all, {total} minutes ({total / 60:.1f} hours) of teaching and exercises. "
        f"In reading order, in sessions of at most {SESSION_MINUTES} minutes:\n\n"
        + "\n".join(plan))


class Schedule(SphinxDirective):

    def run(self):
        lessons = [doc for doc in sorted(self.env.found_docs) if lesson_stem(doc)]
        try:
            times = [lesson_time(Path(self.env.srcdir) / f"{doc}.md") for doc in lessons]
        except ScheduleError as error:
            raise self.error(f"schedule: {error}") from None
        for doc in lessons:
            self.env.note_dependency(str(Path(self.env.srcdir) / f"{doc}.md"))
        run_seconds = {lesson_stem(doc): _run_seconds(self.env, doc) for doc in lessons}
        return nested_parse_to_nodes(self.state, schedule_markdown(times, run_seconds))


def setup(app):
    app.add_directive("schedule", Schedule)
