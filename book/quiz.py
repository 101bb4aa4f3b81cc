"""Quiz banks: YAML in ``quizzes/``, checked strictly, shown with jupyterquiz.

A bank is a list of questions of four types: ``single`` (one correct option), ``multiple``
(several), ``numeric`` (an answer and a tolerance) and ``short`` (accepted strings). The format
is documented in ``quizzes/README.md``. A malformed bank raises ``QuizError`` naming the file, the
question and the problem. Question text is escaped: a bank can show ``<script>``, never run it.
"""

import html
import math
import re
from pathlib import Path

import yaml

TYPES = ("single", "multiple", "numeric", "short")
COMMON = {"id", "type", "question", "explanation", "verify"}
FIELDS = {"single": COMMON | {"options"}, "multiple": COMMON | {"options"},
          "numeric": COMMON | {"answer", "tolerance"}, "short": COMMON | {"answers"}}
OPTION_FIELDS = {"text", "correct", "feedback"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class QuizError(ValueError):
    """A quiz bank that cannot be used as it is."""


def _fail(source, where, problem):
    raise QuizError(f"{source}: {where}: {problem}")


def validate(bank, source="quiz bank"):
    """Check a parsed bank; return its list of questions or raise ``QuizError``."""
    if not isinstance(bank, dict) or set(bank) != {"questions"}:
        _fail(source, "top level", "expected exactly one key, 'questions', holding a list of questions")
    questions = bank["questions"]
    if not isinstance(questions, list) or not questions:
        _fail(source, "questions", "expected a non-empty list")
    seen = set()
    for number, question in enumerate(questions, start=1):
        where = f"question {number}"
        if not isinstance(question, dict):
            _fail(source, where, "expected a mapping with id, type and question")
        where = f"question {number} ({question.get('id', 'no id')})"
        qid = question.get("id")
        if not isinstance(qid, str) or not ID_PATTERN.match(qid):
            _fail(source, where, "'id' must be lowercase letters, digits and '-'")
        if qid in seen:
            _fail(source, where, f"the id {qid!r} is used twice")
        seen.add(qid)
        kind = question.get("type")
        if kind not in TYPES:
            _fail(source, where, f"'type' is {kind!r}; use one of {', '.join(TYPES)}")
        unknown = set(question) - FIELDS[kind]
        if unknown:
            _fail(source, where, f"unknown field(s) {sorted(unknown)}; a {kind} question takes {sorted(FIELDS[kind])}")
        if not isinstance(question.get("question"), str) or not question["question"].strip():
            _fail(source, where, "'question' text is missing")
        for optional in ("explanation", "verify"):
            if optional in question and not isinstance(question[optional], str):
                _fail(source, where, f"'{optional}' must be text")
        _validate_answer(source, where, kind, question)
    return questions


def _validate_answer(source, where, kind, question):
    if kind in ("single", "multiple"):
        options = question.get("options")
        if not isinstance(options, list) or len(options) < 2:
            _fail(source, where, "'options' must list at least two options")
        for option in options:
            if not isinstance(option, dict) or not isinstance(option.get("text"), str):
                _fail(source, where, f"each option needs a 'text': {option!r}")
            if set(option) - OPTION_FIELDS:
                _fail(source, where, f"unknown option field(s) {sorted(set(option) - OPTION_FIELDS)} in {option['text']!r}")
            if not isinstance(option.get("correct", False), bool):
                _fail(source, where, f"'correct' must be true or false in {option['text']!r}")
        correct = sum(option.get("correct", False) for option in options)
        if correct == 0:
            _fail(source, where, "no option is marked 'correct: true': the answer must be one of the options")
        if kind == "single" and correct > 1:
            _fail(source, where, f"{correct} options are correct; use type 'multiple' or mark one")
    elif kind == "numeric":
        answer, tolerance = question.get("answer"), question.get("tolerance", 0)
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            _fail(source, where, f"'answer' must be a number, got {answer!r}")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
            _fail(source, where, f"'tolerance' must be a number >= 0, got {tolerance!r}")
    else:
        answers = question.get("answers")
        if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
            _fail(source, where, "'answers' must list the accepted answers as text")


def find_bank(name):
    """``quizzes/<name>.yml`` of the project that holds the running lesson (found from the cwd)."""
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / "quizzes" / f"{name}.yml"
        if candidate.is_file():
            return candidate
    return None


def load_bank(path):
    path = Path(path)
    try:
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise QuizError(f"{path}: not valid YAML: {error}") from None
    return validate(bank, source=str(path))


def _text(value):
    """Escape HTML, then render `code` spans; $math$ is left for MathJax."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(value.strip()))


def to_jupyterquiz(questions):
    """The bank in jupyterquiz's JSON format."""
    converted = []
    for question in questions:
        text = _text(question["question"])
        well_done = "Correct! " + _text(question.get("explanation", ""))
        kind = question["type"]
        if kind in ("single", "multiple"):
            answers = [{"answer": _text(option["text"]), "correct": option.get("correct", False),
                        "feedback": _text(option["feedback"]) if option.get("feedback")
                        else (well_done if option.get("correct") else "Not quite: try again.")}
                       for option in question["options"]]
            converted.append({"question": text, "answers": answers,
                              "type": "multiple_choice" if kind == "single" else "many_choice"})
        elif kind == "numeric":
            answer, tolerance = question["answer"], question.get("tolerance", 0)
            answers = [{"type": "range", "range": [answer - tolerance, math.nextafter(answer + tolerance, math.inf)],
                        "correct": True, "feedback": well_done},
                       {"type": "default", "feedback": "Not quite: recompute and try again."}]
            converted.append({"question": text, "type": "numeric", "answers": answers})
        else:
            answers = [{"answer": accepted, "correct": True, "match_case": False, "feedback": well_done}
                       for accepted in question["answers"]]
            answers.append({"type": "default", "feedback": "Not what we expected: try again."})
            converted.append({"question": text, "type": "string", "answers": answers})
    return converted


def show_quiz(name, bank=None):
    """Display the quiz bank ``name`` as interactive questions.

    In the book's repository the bank is read from ``quizzes/<name>.yml``; a generated notebook
    carries its bank, embedded at build time, and passes its text as ``bank`` (no network, no
    repository needed).
    """
    from jupyterquiz import display_quiz

    if bank is not None:
        source = f"the quiz bank {name}.yml embedded in this notebook"
        try:
            questions = validate(yaml.safe_load(bank), source=source)
        except yaml.YAMLError as error:
            raise QuizError(f"{source}: not valid YAML: {error}") from None
    else:
        path = find_bank(name)
        if path is None:
            raise QuizError(f"quiz bank quizzes/{name}.yml not found above {Path.cwd()}: run the "
                            f"lesson inside the book's repository, or open its generated "
                            f"notebook, which carries its quiz")
        questions = load_bank(path)
    display_quiz(to_jupyterquiz(questions), shuffle_answers=False)


# Names a question's ``verify`` expression may use (see tests/test_quizzes.py).
def _stack(input_shape, layers):
    import keras

    inputs = outputs = keras.Input(shape=input_shape)
    for layer in layers:
        outputs = layer(outputs)
    return keras.Model(inputs, outputs)


def params(input_shape, *layers):
    """Total parameters of ``layers``, applied in turn to inputs of ``input_shape``."""
    return _stack(input_shape, layers).count_params()


def output_shape(input_shape, *layers):
    """Output shape (without the batch axis) of ``layers`` applied to inputs of ``input_shape``."""
    return tuple(_stack(input_shape, layers).output.shape[1:])


def verify_namespace():
    import keras
    import numpy as np

    return {"keras": keras, "layers": keras.layers, "np": np, "math": math,
            "params": params, "output_shape": output_shape}
