"""Exercise checkers, and the build's proof that blanks fail and solutions pass."""

import json
import re

import keras
import pytest
from keras import layers

from book.exercises import Expect, ExerciseError, check_model, check_value

TARGET = [
    Expect("Conv2D", output=(28, 28, 32), params=320, activation="relu", filters=32),
    Expect("MaxPooling2D", output=(14, 14, 32)),
    Expect("Flatten", output=(6272,)),
    Expect("Dense", output=(10,), params=62730, activation="softmax"),
]


def model(filters=32, extra=()):
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(filters, 3, padding="same", activation="relu"),
                             layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax"), *extra])


def test_a_matching_model_passes(capsys):
    check_model(model(), TARGET)
    assert "All 4 layers match" in capsys.readouterr().out


def test_a_wrong_layer_is_named_with_what_differs():
    with pytest.raises(ExerciseError) as error:
        check_model(model(filters=64), TARGET)
    message = str(error.value)
    assert message.startswith("layer 1 (")
    assert "expected Conv2D, filters=32" in message and "320 parameters" in message
    assert "filters is 64, expected 32" in message and "640 parameters, expected 320" in message
    assert "output (None, 28, 28, 64), expected (None, 28, 28, 32)" in message


def test_missing_and_extra_layers_are_reported():
    short = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, padding="same", activation="relu")])
    with pytest.raises(ExerciseError, match="the model has 1 layers, expected 4; missing"):
        check_model(short, TARGET)
    with pytest.raises(ExerciseError, match="unexpected extra layers"):
        check_model(model(extra=[layers.Dense(3)]), TARGET)


def test_not_a_model_is_reported():
    with pytest.raises(ExerciseError, match="expected a Keras model"):
        check_model([1, 2], TARGET)


def test_check_value():
    check_value("accuracy", 0.25, 0.25)
    with pytest.raises(ExerciseError, match=r"labels: expected shape \(3,\), got \(2,\)"):
        check_value("labels", [1, 2], [1, 2, 3])
    with pytest.raises(ExerciseError, match="accuracy: expected 0.5"):
        check_value("accuracy", 0.4, 0.5)


def _executed_cells(built_book):
    """Code cells of the instructor notebooks: the build's own execution, outputs included."""
    for path in sorted((built_book / "notebooks" / "instructor").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                yield path.stem, cell


def test_the_build_ran_every_blank_into_a_failure_and_every_solution_through_its_checker(built_book):
    blanks = solutions = 0
    for lesson, cell in _executed_cells(built_book):
        tags = cell["metadata"].get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        if "exercise" in tags:
            blanks += 1
            assert "____" in "".join(cell["source"]), f"{lesson}: an exercise cell without blanks"
            assert errors and errors[0]["ename"] in ("NameError", "ExerciseError"), f"{lesson}: a blank passed"
        if "solution" in tags:
            solutions += 1
            text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
            assert not errors and "✓" in text, f"{lesson}: a solution did not pass its checker"
    assert blanks >= 1 and solutions >= blanks
