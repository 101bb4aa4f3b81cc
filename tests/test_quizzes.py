"""Quiz banks: strict validation, escaping, and answers that Keras computes."""

import math
from pathlib import Path

import pytest
import yaml

from book.quiz import QuizError, load_bank, to_jupyterquiz, validate, verify_namespace
from conftest import ROOT

BANKS = sorted((ROOT / "quizzes").glob("*.yml"))
QUESTIONS = [(bank.stem, q) for bank in BANKS for q in load_bank(bank)]


def test_every_lesson_has_a_bank_and_shows_it():
    lessons = sorted((ROOT / "lessons").glob("*.md"))
    assert lessons
    assert {bank.stem for bank in BANKS} == {lesson.stem for lesson in lessons}
    for lesson in lessons:
        assert f'show_quiz("{lesson.stem}")' in lesson.read_text(), lesson.name


@pytest.mark.parametrize("bank,question", QUESTIONS, ids=[f"{b}:{q['id']}" for b, q in QUESTIONS])
def test_computed_answers_match_the_key(bank, question):
    if question["type"] == "numeric":
        assert "verify" in question, "a numeric question must say how its answer is computed"
    if "verify" not in question:
        return
    computed = eval(question["verify"], verify_namespace())  # noqa: S307 (the book's own banks)
    kind = question["type"]
    if kind == "numeric":
        assert math.isclose(computed, question["answer"], abs_tol=question.get("tolerance", 0)), computed
    elif kind == "single":
        assert computed == next(o["text"] for o in question["options"] if o.get("correct"))
    elif kind == "multiple":
        assert sorted(computed) == sorted(o["text"] for o in question["options"] if o.get("correct"))
    else:
        assert str(computed).lower() in [a.lower() for a in question["answers"]]


def _bank(tmp_path, text):
    path = tmp_path / "bad.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,problem", [
    ("questions:\n  - {id: q1, type: numeric, question: How many}\n", "'answer' must be a number"),
    ("questions:\n  - id: q2\n    type: single\n    question: Which?\n    options:\n"
     "      - {text: a}\n      - {text: b}\n", "no option is marked 'correct: true'"),
    ("questions:\n  - {id: q3, type: short, question: Name, answers: [x], hint: y}\n", "unknown field(s) ['hint']"),
    ("questions:\n  - {id: q4, type: essay, question: Why}\n", "'type' is 'essay'"),
    ("questions: [\n", "not valid YAML"),
    ("quiz: []\n", "expected exactly one key"),
])
def test_malformed_banks_name_file_question_and_problem(tmp_path, text, problem):
    path = _bank(tmp_path, text)
    with pytest.raises(QuizError) as error:
        load_bank(path)
    message = str(error.value)
    assert str(path) in message and problem in message
    if "question:" in text.replace("questions:", ""):
        assert "question 1 (q" in message


def test_a_malformed_bank_fails_the_build(tmp_path):
    from conftest import jupyter_book

    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "01-x.yml").write_text("questions:\n  - {id: q1, type: numeric, question: How many}\n")
    (tmp_path / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (tmp_path / "_config.yml").write_text("title: t\nsphinx: {extra_extensions: [book.sphinx_ext]}\n")
    (tmp_path / "node_modules" / "mathjax" / "es5").mkdir(parents=True)
    result = jupyter_book("build", ".", cwd=tmp_path)
    assert result.returncode != 0
    assert "01-x.yml: question 1 (q1): 'answer' must be a number" in result.stdout + result.stderr


def test_quiz_text_is_escaped():
    questions = validate(yaml.safe_load(
        "questions:\n  - id: xss\n    type: single\n    question: \"<script>alert(1)</script> `Conv2D`\"\n"
        "    options:\n      - {text: \"<b>bold</b>\", correct: true}\n      - {text: other}\n"))
    rendered = to_jupyterquiz(questions)[0]
    assert "<script>" not in rendered["question"] and "&lt;script&gt;" in rendered["question"]
    assert "<code>Conv2D</code>" in rendered["question"]
    assert rendered["answers"][0]["answer"] == "&lt;b&gt;bold&lt;/b&gt;"


def test_a_notebook_shows_its_embedded_bank_anywhere_and_a_lesson_finds_its_file(tmp_path, monkeypatch):
    from book.quiz import show_quiz

    bank = (ROOT / "quizzes" / "06-cnn-arithmetic.yml").read_text()
    monkeypatch.chdir(tmp_path)                       # outside the repository: no quizzes/ above
    show_quiz("06-cnn-arithmetic", bank=bank)        # what a generated notebook calls
    with pytest.raises(QuizError, match="not found above .*open its generated notebook"):
        show_quiz("06-cnn-arithmetic")
    with pytest.raises(QuizError, match="06-cnn-arithmetic.yml embedded in this notebook: top level"):
        show_quiz("06-cnn-arithmetic", bank="quiz: []")
    monkeypatch.chdir(ROOT / "lessons")               # a lesson run in the repository
    show_quiz("06-cnn-arithmetic")
