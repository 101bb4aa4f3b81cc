"""The Schedule page: every lesson states its minutes, and its core fits them."""

import re

import pytest

from book.sphinx_ext.schedule import (CODE_LINES_PER_MINUTE, WORDS_PER_MINUTE, ScheduleError,
                                      lesson_time, sessions)
from conftest import ROOT

LESSONS = sorted((ROOT / "lessons").glob("*.md"))
FRONT = "---\nteaching: 30\nexercises: 10\nkernelspec:\n  name: python3\n---\n"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_states_minutes_that_its_core_fits(lesson):
    time = lesson_time(lesson)
    assert time.problems() == [], f"{lesson.name}: {time.problems()}"
    assert time.exercise_count >= 1


def test_a_lesson_without_minutes_is_named_with_the_fix(tmp_path):
    lesson = tmp_path / "99-x.md"
    lesson.write_text("---\nteaching: 30\n---\n# 99. X\n")
    with pytest.raises(ScheduleError, match=r"99-x\.md.*'exercises: <minutes>'"):
        lesson_time(lesson)


def test_notes_deep_dives_and_solutions_are_not_core_reading(tmp_path):
    lesson = tmp_path / "98-y.md"
    folded = ("\n:::{admonition} Instructor notes\n:class: dropdown instructor-note\n"
              + "note " * 300 + "\n:::\n\n:::{admonition} Deep dive (optional): more\n"
              ":class: dropdown\n" + "deep " * 300 + "\n:::\n\n"
              "```{solution-start} s\n```\n" + "solution " * 300 + "\n```{solution-end}\n```\n")
    lesson.write_text(FRONT + "# 98. Y\n\n" + "word " * 150 + folded
                      + "\n```{code-cell} ipython3\nx = 1\n# a comment\ny = 2\n```\n"
                      "\n```{code-cell} ipython3\n:tags: [hide-cell]\nz = 3\n```\n")
    time = lesson_time(lesson)
    words = 150 + 2                       # the prose and the title "98. Y"
    assert (time.words, time.code_lines) == (words, 2)
    assert time.reading == pytest.approx(words / WORDS_PER_MINUTE
                                         + 2 / CODE_LINES_PER_MINUTE)


def test_sessions_keep_reading_order_within_their_length(tmp_path):
    times = [lesson_time(path) for path in LESSONS]
    plan = sessions(times, length=120)
    assert [t.stem for session in plan for t in session] == [t.stem for t in times]
    for session in plan:
        assert len(session) == 1 or sum(t.teaching + t.exercises for t in session) <= 120


def test_the_schedule_page_lists_every_lesson_with_its_run_time(built_book):
    page = (built_book / "schedule.html").read_text()
    for lesson in LESSONS:
        assert f"lessons/{lesson.stem}.html" in page
    ran = re.findall(r"<td[^>]*>(?:<p>)?(\d+) s(?:</p>)?</td>", page)
    assert len(ran) == len(LESSONS)
