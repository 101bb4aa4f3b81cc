"""Exercise checkers: typical mistakes get a message that says what to change; blanks get one line."""

import json

import keras
import numpy as np
import pytest
from keras import layers

from book.exercises import (BLANK_MESSAGE, Expect, ExerciseError, check_model, check_value,
                            is_blank_error)
from conftest import errors_in_kernel

TARGET = [
    Expect("Conv2D", output=(28, 28, 32), params=320, activation="relu", filters=32,
           kernel_size=(3, 3)),
    Expect("MaxPooling2D", output=(14, 14, 32), pool_size=(2, 2)),
    Expect("Flatten", output=(6272,)),
    Expect("Dense", output=(10,), params=62730, activation="softmax"),
]
# The course's style: activations as layers of their own
SPLIT_TARGET = [
    Expect("Conv2D", output=(28, 28, 32), params=320, filters=32),
    Expect("Activation", output=(28, 28, 32), activation="relu"),
    Expect("Flatten", output=(25088,)),
    Expect("Dense", output=(10,), params=250890),
    Expect("Activation", output=(10,), activation="softmax"),
]
FUNCTIONAL_TARGET = [Expect("InputLayer", output=(28, 28, 1)), *TARGET]


def sequential(*body, shape=(28, 28, 1)):
    return keras.Sequential([keras.Input(shape), *body])


def conv(filters=32, kernel_size=3, padding="same", activation="relu", **kwargs):
    return layers.Conv2D(filters, kernel_size, padding=padding, activation=activation, **kwargs)


def right(**conv_kwargs):
    return sequential(conv(**conv_kwargs), layers.MaxPooling2D(), layers.Flatten(),
                      layers.Dense(10, activation="softmax"))


def functional(shape=(28, 28, 1)):
    inputs = keras.Input(shape)
    x = layers.Conv2D(32, (3, 3), padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = conv()
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(10, activation="softmax")

    def call(self, x):
        return self.dense(self.flatten(self.pool(self.conv(x))))


def built_subclassed():
    model = Subclassed()
    model(np.zeros((1, 28, 28, 1), "float32"))
    return model


def make_function():
    return right()


# (what the learner did, the model it gave, the target, what the message must say)
MODEL_MISTAKES = [
    ("no keras.Input", lambda: keras.Sequential([conv(), layers.MaxPooling2D(), layers.Flatten(),
                                                layers.Dense(10, activation="softmax")]),
     TARGET, ["not built yet", "keras.Input(shape=...)"]),
    ("subclassed, never called", Subclassed, TARGET, ["not built yet", "call it once"]),
    ("wrong activation", lambda: right(activation="sigmoid"), TARGET,
     ["layer 1", "activation is 'sigmoid', expected 'relu'", "activation='relu'"]),
    ("activation left out", lambda: right(activation=None), TARGET,
     ["activation is none, expected 'relu'"]),
    ("wrong number of filters", lambda: right(filters=64), TARGET,
     ["filters is 64, expected 32", "write filters=32", "640 parameters, expected 320"]),
    ("kernel 5 instead of 3", lambda: right(kernel_size=5), TARGET,
     ["kernel_size is (5, 5), expected (3, 3)"]),
    ("padding valid instead of same", lambda: right(padding="valid"), TARGET,
     ["output (None, 26, 26, 32), expected (None, 28, 28, 32)", "padding"]),
    ("stride 2", lambda: right(strides=2), TARGET, ["expected (None, 28, 28, 32)", "strides"]),
    ("an extra Dropout layer", lambda: sequential(conv(), layers.MaxPooling2D(), layers.Dropout(0.2),
                                                  layers.Flatten(), layers.Dense(10, activation="softmax")),
     TARGET, ["layer 3", "Dropout", "is not in the target: remove it"]),
    ("the pooling layer left out", lambda: sequential(conv(), layers.Flatten(),
                                                      layers.Dense(10, activation="softmax")),
     TARGET, ["a layer is missing before layer 2", "add MaxPooling2D"]),
    ("the last layer left out", lambda: sequential(conv(), layers.MaxPooling2D(), layers.Flatten()),
     TARGET, ["the model has 3 layers, expected 4", "add, at the end: Dense"]),
    ("an extra layer at the end", lambda: sequential(conv(), layers.MaxPooling2D(), layers.Flatten(),
                                                     layers.Dense(10, activation="softmax"), layers.Dense(3)),
     TARGET, ["the model has 5 layers, expected 4", "remove the extra layers at the end: Dense"]),
    ("average instead of max pooling", lambda: sequential(conv(), layers.AveragePooling2D(2), layers.Flatten(),
                                                          layers.Dense(10, activation="softmax")),
     TARGET, ["it is a AveragePooling2D, not a MaxPooling2D", "layers.MaxPooling2D"]),
    ("layers in the wrong order", lambda: sequential(layers.MaxPooling2D(), conv(), layers.Flatten(),
                                                     layers.Dense(10, activation="softmax")),
     TARGET, ["layer 1", "it is a MaxPooling2D, not a Conv2D"]),
    ("wrong number of output units", lambda: sequential(conv(), layers.MaxPooling2D(), layers.Flatten(),
                                                        layers.Dense(5, activation="softmax")),
     TARGET, ["layer 4", "output (None, 5), expected (None, 10)"]),
    ("wrong input shape", lambda: sequential(conv(), layers.MaxPooling2D(), layers.Flatten(),
                                             layers.Dense(10, activation="softmax"), shape=(32, 32, 1)),
     TARGET, ["layer 1", "expected (None, 28, 28, 32)"]),
    ("functional model with the wrong input", lambda: functional((32, 32, 1)), FUNCTIONAL_TARGET,
     ["the input is (None, 32, 32, 1), expected (None, 28, 28, 1)", "keras.Input(shape=(28, 28, 1))"]),
    ("activation inside Dense where the target has a layer", lambda: sequential(
        layers.Conv2D(32, 3, padding="same"), layers.Activation("relu"), layers.Flatten(),
        layers.Dense(10, activation="softmax")),
     SPLIT_TARGET, ["add, at the end: Activation", "remove activation='softmax' from layer 4"]),
    ("Activation layer where the target has it inside Dense", lambda: sequential(
        conv(), layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10), layers.Activation("softmax")),
     TARGET, ["layer 4", "inside this Dense layer", "remove the Activation layer after it"]),
    ("the model's class instead of a model", lambda: Subclassed, TARGET,
     ["got the class Subclassed", "Subclassed()"]),
    ("the function instead of its model", lambda: make_function, TARGET,
     ["got the function make_function", "make_function()"]),
    ("None (a function without return)", lambda: None, TARGET, ["got None", "return model"]),
    ("a single layer", lambda: layers.Dense(10), TARGET, ["a single Dense layer", "keras.Sequential"]),
    ("a list of layers", lambda: [conv(), layers.Flatten()], TARGET,
     ["a list of layers", "keras.Sequential"]),
    ("a number", lambda: 3, TARGET, ["expected a Keras model, got int"]),
    ("wrong dropout rate", lambda: sequential(layers.Flatten(), layers.Dropout(0.2)),
     [Expect("Flatten"), Expect("Dropout", rate=0.5)], ["rate is 0.2, expected 0.5"]),
]


def _error(function, *args):
    with pytest.raises(Exception) as raised:
        function(*args)
    assert type(raised.value) is ExerciseError, f"a {type(raised.value).__name__} leaked: {raised.value}"
    message = str(raised.value)
    assert "Traceback" not in message and "\n" not in message
    return message


@pytest.mark.parametrize("mistake,build,target,says", MODEL_MISTAKES, ids=[m[0] for m in MODEL_MISTAKES])
def test_every_typical_model_mistake_says_what_to_change(mistake, build, target, says):
    message = _error(check_model, build(), target)
    for part in says:
        assert part in message, f"{mistake}: {part!r} not in {message!r}"


# (what the learner did, name, answer, expected, what the message must say)
VALUE_MISTAKES = [
    ("text instead of a number", "accuracy", "abc", 0.5, ["expected a number, got the text 'abc'"]),
    ("a number in quotes", "accuracy", "0.5", 0.5, ["got the text '0.5': remove the quotes"]),
    ("None", "weights", None, [1.0, 2.0], ["got None", "return"]),
    ("the function, not its result", "loss", np.mean, 0.1, ["got the function mean", "call it"]),
    ("a number instead of a word", "your prediction", 3, "higher", ["expected a word such as 'higher'"]),
    ("the wrong word", "your prediction", "lower", "higher", ["expected 'higher', got 'lower'"]),
    ("too few values", "labels", [1, 2], [1, 2, 3], ["expected shape (3,), got (2,)", "2 values, expected 3"]),
    ("transposed", "matrix", np.ones((2, 3)), np.ones((3, 2)), ["transposed"]),
    ("flat instead of a matrix", "matrix", np.ones(6), np.ones((2, 3)), ["reshape to (2, 3)"]),
    ("a wrong value", "accuracy", 0.4, 0.5, ["expected 0.5, got 0.4", "off by 0.1"]),
    ("rounded too early", "w", [0.33, 1.5], [1 / 3, 1.5], ["off by 0.00333"]),
    ("ragged rows", "rows", [[1, 2], [3]], [[1, 2], [3, 4]], ["could not be read as an array"]),
    ("text among the numbers", "counts", [1, "two", 3], [1, 2, 3], ["numbers only"]),
    ("a dict", "counts", {"a": 1}, [1], ["got a dict"]),
    ("NaN", "loss", float("nan"), 0.1, ["NaN"]),
]


@pytest.mark.parametrize("mistake,name,got,expected,says", VALUE_MISTAKES, ids=[m[0] for m in VALUE_MISTAKES])
def test_every_typical_value_mistake_says_what_to_change(mistake, name, got, expected, says):
    message = _error(check_value, name, got, expected)
    assert message.startswith(f"{name}: ")
    for part in says:
        assert part in message, f"{mistake}: {part!r} not in {message!r}"


def test_at_least_twenty_typical_mistakes_are_covered():
    assert len(MODEL_MISTAKES) + len(VALUE_MISTAKES) >= 20


@pytest.mark.parametrize("build,target", [
    (right, TARGET), (functional, TARGET), (functional, FUNCTIONAL_TARGET), (built_subclassed, TARGET),
    (lambda: sequential(layers.Conv2D(32, (3, 3), padding="same"), layers.Activation("relu"),
                        layers.Flatten(), layers.Dense(10), layers.Activation("softmax")), SPLIT_TARGET),
], ids=["sequential", "functional", "functional, target with InputLayer", "subclassed", "activation layers"])
def test_a_right_answer_written_another_way_passes(build, target, capsys):
    check_model(build(), target)
    assert "✓ All" in capsys.readouterr().out


def test_right_values_pass(capsys):
    check_value("accuracy", 0.25, 0.25)
    check_value("w", np.array([1 / 3, 1.5]), [1 / 3, 1.5])
    check_value("your prediction", " Higher ", "higher")
    check_value("validation recorded", True, True)
    assert capsys.readouterr().out.count("✓") == 4


def test_a_blank_is_recognised_also_when_keras_re_raised_it():
    with pytest.raises(NameError) as raised:
        ____  # noqa: F821, B018 (the blank itself)
    assert is_blank_error(raised.value)
    assert is_blank_error(NameError("Exception encountered when calling MyModel.call().\n"
                                    "name '____' is not defined"))
    assert not is_blank_error(NameError("name 'modle' is not defined"))
    assert "blanks (____) to fill in" in BLANK_MESSAGE and "\n" not in BLANK_MESSAGE


def test_a_cell_with_blanks_answers_in_one_line_in_a_kernel(tmp_path):
    """Run three cells in a real kernel: a typo keeps its traceback, a blank and a checker get one line."""
    cells = ["import book.exercises", "x = ____ + 1", "modle", "from book.exercises import check_value\n"
             "check_value('x', 1, 2)"]
    errors = errors_in_kernel(cells, tmp_path)
    assert not errors[0]
    assert errors[1][0]["traceback"] == [BLANK_MESSAGE] and errors[1][0]["ename"] == "NameError"
    assert len(errors[2][0]["traceback"]) > 1          # any other NameError: IPython's usual traceback
    assert errors[3][0]["traceback"] == ["✗ Not yet: x: expected 2, got 1 (off by 1; tolerance 1e-06)"]


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
