"""Checkers for the fill-in-the-blank exercises, and a one-line message for blanks left.

A lesson states the architecture a student should build as a list of ``Expect`` (one per layer,
like the rows of ``model.summary()``), and ``check_model`` compares a model with it, layer by layer,
naming the first layer that differs, what is wrong with it and what to change::

    target = [Expect("Conv2D", output=(28, 28, 32), params=320, activation="relu"), ...]
    check_model(model, target)

``check_value`` compares a number, an array or a word. Every mistake, including a value that is
not a model or not a number at all, becomes one ``ExerciseError`` whose message a learner can act
on; nothing from deep inside Keras or NumPy reaches the learner.

In IPython (Jupyter, Colab), importing this module installs ``install_blank_handler``: a cell that
still holds a blank (``____``) then answers with one line saying so instead of a ``NameError``
traceback, and an ``ExerciseError`` shows its message without the checker's traceback. A
notebook's set-up cell also calls ``answers_from_exercises``: a cell that needs an exercise's
answer before the exercise ran then names the exercise to do first.
"""

import re

import numpy as np

BLANK = "____"
BLANK_MESSAGE = ("This cell still has blanks (____) to fill in: replace each ____ with your "
                 "answer, then run the cell again.")
_BLANK_ERROR = re.compile(r"name '_{4,}' is not defined")


class ExerciseError(AssertionError):
    """The student's answer does not match yet; the message says where and how."""


class Expect:
    """What one layer should be: its class name and, optionally, shape, size and settings.

    ``output`` is the output shape without the batch axis. Any other keyword (``filters=64``,
    ``rate=0.25``, ``padding="same"``) is compared with the layer's ``get_config()``.
    """

    def __init__(self, type, output=None, params=None, activation=None, **config):
        self.type, self.output, self.params = type, output, params
        self.activation, self.config = activation, config

    def __repr__(self):
        return f"Expect({self.describe()})"

    def describe(self):
        parts = [self.type]
        parts += [f"{key}={value!r}" for key, value in self.config.items()]
        if self.activation:
            parts.append(f"activation {self.activation!r}")
        if self.params is not None:
            parts.append(f"{self.params:,} parameters")
        if self.output is not None:
            parts.append(f"output {_with_batch(self.output)}")
        return ", ".join(parts)


# --- blanks left in a cell, and exercises skipped ----------------------------------------------

# A name that an exercise's answer assigns -> the exercise ("Exercise 9.2"): a notebook's set-up
# cell fills it (book.notebooks), so that a cell run before that exercise names it.
_ANSWERS = {}
_UNDEFINED = re.compile(r"name '(\w+)' is not defined")


def answers_from_exercises(answers):
    """Record which exercise assigns each name, ``{"my_prediction": "Exercise 9.2"}``: from then
    on, a ``NameError`` for one of these names says, in one line, which exercise to do first."""
    _ANSWERS.update(answers)


def skipped_exercise_message(name, exercise):
    """The one line for a cell that needs ``name`` before ``exercise`` has assigned it."""
    return (f"This cell needs {name}, which {exercise} defines: do {exercise} first (fill in "
            f"its blanks and run it), then run this cell again.")


def _undefined_name(error):
    if not isinstance(error, NameError):
        return None
    match = _UNDEFINED.search(str(error))
    return getattr(error, "name", None) or (match.group(1) if match else None)


def is_blank_error(error):
    """Whether ``error`` is the ``NameError`` of a blank (also when Keras re-raised it)."""
    return isinstance(error, NameError) and (
        getattr(error, "name", None) == BLANK or bool(_BLANK_ERROR.search(str(error))))


def one_line_message(error):
    """The book's one line for ``error`` (a blank, a skipped exercise, a checker's verdict), or
    None for any other error."""
    if is_blank_error(error):
        return BLANK_MESSAGE
    if isinstance(error, ExerciseError):
        return f"✗ Not yet: {error}"
    name = _undefined_name(error)
    if name in _ANSWERS:
        return skipped_exercise_message(name, _ANSWERS[name])
    return None


def _show_exercise_errors(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for NameError and ExerciseError: one line for blanks, exercises skipped
    and checkers."""
    message = one_line_message(value)
    if message is not None:
        stb = [message]
    else:                                    # any other NameError: IPython's usual traceback
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)


def install_blank_handler():
    """Make IPython answer a blank left in a cell, an exercise skipped, or a checker's verdict,
    in one line.

    Does nothing outside IPython, or where another custom handler is already installed.
    Returns whether the handler is in place.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, "_book_blank_handler", False):
        return True
    if shell.custom_exceptions:              # someone else's handler: leave it alone
        return False
    shell.set_custom_exc((NameError, ExerciseError), _show_exercise_errors)
    shell._book_blank_handler = True
    return True


# --- models -------------------------------------------------------------------------------------

def _with_batch(shape):
    return "(None, " + ", ".join(str(d) for d in shape) + ")" if shape else "(None,)"


def _same(actual, expected):
    """Config values compared loosely: lists as tuples, ``3`` equals ``(3, 3)``."""
    if isinstance(actual, list):
        actual = tuple(actual)
    if isinstance(expected, list):
        expected = tuple(expected)
    if isinstance(actual, tuple) and isinstance(expected, int) and not isinstance(expected, bool):
        return all(a == expected for a in actual)
    if isinstance(expected, tuple) and isinstance(actual, int) and not isinstance(actual, bool):
        return all(actual == e for e in expected)
    return actual == expected


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", activation)


def _params(layer):
    try:
        return layer.count_params()
    except Exception:                    # a layer that is not built has no weights yet
        return None


def _output_shape(layer):
    try:
        return tuple(layer.output.shape[1:])
    except Exception:  # subclassed models have no symbolic outputs
        return None


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def describe_layer(layer):
    """The same description as ``Expect.describe``, for an actual layer."""
    parts = [type(layer).__name__]
    if _activation_name(layer) not in (None, "linear"):
        parts.append(f"activation {_activation_name(layer)!r}")
    if _params(layer) is not None:
        parts.append(f"{_params(layer):,} parameters")
    shape = _output_shape(layer)
    if shape is not None:
        parts.append(f"output {_with_batch(shape)}")
    return ", ".join(parts)


def _not_a_model(model):
    """The message for something that is not a Keras model, or None when it is one."""
    import keras

    if isinstance(model, keras.Model):
        return None
    if model is None:
        return ("got None instead of a model: the cell (or your function) did not produce one; "
                "check that the function ends with `return model`")
    if isinstance(model, type):
        return (f"got the class {model.__name__} itself, not a model made from it: "
                f"create one with {model.__name__}()")
    if isinstance(model, keras.layers.Layer):
        return (f"got a single {type(model).__name__} layer, not a model: put the layers in "
                "keras.Sequential([keras.Input(shape=...), ...])")
    if isinstance(model, (list, tuple)) and model and all(
            isinstance(item, keras.layers.Layer) for item in model):
        return ("got a list of layers, not a model: wrap it in "
                "keras.Sequential([keras.Input(shape=...), ...])")
    if callable(model):
        name = getattr(model, "__name__", "it")
        return f"got the function {name}, not a model: call it, {name}(), to build the model"
    return f"expected a Keras model, got {type(model).__name__}"


def _unbuilt(model, layers):
    """The message for a model whose layers have no weights yet, or None."""
    if all(_params(layer) is not None for layer in layers):
        return None
    import keras

    if isinstance(model, keras.Sequential):
        return ("the model is not built yet, so its layers have no weights and no output shape: "
                "start the list of layers with keras.Input(shape=...), for example "
                "keras.Sequential([keras.Input(shape=(28, 28, 1)), ...])")
    return (f"the model ({type(model).__name__}) is not built yet, so its layers have no weights: call it "
            "once on a batch of inputs, for example model(x_train[:1]), before checking it")


def _hint(layer, expected, problems):
    """What to change, for the most common differences of sizes."""
    shape = _output_shape(layer)
    if (shape and expected.output and len(shape) == len(expected.output) > 1
            and shape[-1] == expected.output[-1] and shape != tuple(expected.output)
            and "padding" in layer.get_config()):
        return (" (check padding: \"same\" keeps the size of the maps, \"valid\" shrinks them by "
                "kernel_size - 1; and strides, which divide it)")
    if all(p.startswith("output") or " parameters, expected " in p for p in problems):
        return " (its settings look right: check the layers before it, which set its input size)"
    return ""


def _differences(layer, expected):
    if type(layer).__name__ != expected.type:
        return [f"it is a {type(layer).__name__}, not a {expected.type}: "
                f"use layers.{expected.type}"]
    found, config = [], layer.get_config()
    for key, value in expected.config.items():
        if key not in config:
            found.append(f"a {expected.type} has no setting {key!r}")
        elif not _same(config[key], value):
            found.append(f"{key} is {config[key]!r}, expected {value!r}: write {key}={value!r}")
    activation = _activation_name(layer)
    if expected.activation is not None and activation != expected.activation:
        shown = "none" if activation in (None, "linear") else repr(activation)
        found.append(f"activation is {shown}, expected {expected.activation!r}: "
                     f"write activation={expected.activation!r}")
    params = _params(layer)
    if expected.params is not None and params != expected.params:
        found.append(f"{params:,} parameters, expected {expected.params:,}")
    shape = _output_shape(layer)
    if expected.output is not None and shape is not None and shape != tuple(expected.output):
        found.append(f"output {_with_batch(shape)}, expected {_with_batch(expected.output)}")
    return found


def _activation_split(layers, target, i):
    """A hint when the target has an Activation layer where the model has the activation inside."""
    want = target[i] if i < len(target) else None
    before = layers[i - 1] if 0 < i <= len(layers) else None
    if (want is not None and want.type == "Activation" and before is not None
            and _activation_name(before) not in (None, "linear")):
        return (f"; the target has the activation as a layer of its own: remove "
                f"activation={_activation_name(before)!r} from layer {i} and add "
                f"layers.Activation({want.activation or _activation_name(before)!r}) after it")
    return ""


def _activation_moved(layers, target, i, problems):
    """A message when the model has an Activation layer where the target has it inside layer i."""
    expected, after = target[i], layers[i + 1] if i + 1 < len(layers) else None
    if (len(problems) == 1 and problems[0].startswith("activation") and after is not None
            and type(after).__name__ == "Activation"
            and _activation_name(after) == expected.activation
            and (i + 1 >= len(target) or target[i + 1].type != "Activation")):
        return (f"layer {i + 1} ({layers[i].name}): the target puts activation "
                f"{expected.activation!r} inside this {expected.type} layer: write "
                f"activation={expected.activation!r} here and remove the Activation layer after it")
    return None


def _types(items):
    return [item.type if isinstance(item, Expect) else type(item).__name__ for item in items]


def _compare(model, target):
    inputs = [e for e in target if e.type == "InputLayer"]
    target = [e for e in target if e.type != "InputLayer"]
    layers = _layers(model)
    problem = _unbuilt(model, layers)
    if problem:
        raise ExerciseError(problem)
    if inputs and inputs[0].output is not None:
        try:
            shape = tuple(model.inputs[0].shape[1:])
        except Exception:
            shape = None
        if shape is not None and shape != tuple(inputs[0].output):
            raise ExerciseError(
                f"the input is {_with_batch(shape)}, expected {_with_batch(inputs[0].output)}: "
                f"write keras.Input(shape={tuple(inputs[0].output)})")
    for i, (layer, expected) in enumerate(zip(layers, target)):
        problems = _differences(layer, expected)
        if not problems:
            continue
        number = i + 1
        moved = _activation_moved(layers, target, i, problems)
        if moved:
            raise ExerciseError(moved)
        got, want = _types(layers), _types(target)
        if got[i + 1:i + 1 + len(want) - i] == want[i:] and len(got) > len(want):
            raise ExerciseError(
                f"layer {number} ({layer.name}, a {type(layer).__name__}) is not in the target: "
                f"remove it")
        if got[i:] == want[i + 1:i + 1 + len(got) - i] and len(want) > len(got):
            raise ExerciseError(
                f"a layer is missing before layer {number} ({layer.name}): add "
                f"{expected.describe()}" + _activation_split(layers, target, i))
        raise ExerciseError(
            f"layer {number} ({layer.name}): expected {expected.describe()}; "
            f"got {describe_layer(layer)}: " + "; ".join(problems) + _hint(layer, expected, problems))
    if len(layers) != len(target):
        if len(layers) < len(target):
            missing = "; ".join(e.describe() for e in target[len(layers):])
            detail = f"add, at the end: {missing}" + _activation_split(layers, target, len(layers))
        else:
            extra = "; ".join(describe_layer(layer) for layer in layers[len(target):])
            detail = f"remove the extra layers at the end: {extra}"
        raise ExerciseError(f"the model has {len(layers)} layers, expected {len(target)}; {detail}")
    return model.count_params()


def check_model(model, target):
    """Compare ``model`` with the list of ``Expect``; print the verdict or raise ``ExerciseError``.

    The input layer of a functional model is compared with an ``Expect("InputLayer")`` of the
    target if there is one and otherwise ignored, so the same target serves Sequential,
    functional and subclassed models.
    """
    problem = _not_a_model(model)
    if problem:
        raise ExerciseError(problem)
    try:
        total = _compare(model, target)
    except ExerciseError:
        raise
    except Exception as error:  # a model Keras itself cannot describe: say so in one line
        raise ExerciseError(f"could not inspect the model ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''}); rebuild it "
                            f"and run the cell again") from None
    print(f"✓ All {len([e for e in target if e.type != 'InputLayer'])} layers match: "
          f"{total:,} parameters in total.")


# --- values -------------------------------------------------------------------------------------

def _numbers(name, got):
    """``got`` as a float array, or an ``ExerciseError`` saying why it is not numbers."""
    if got is None:
        raise ExerciseError(f"{name}: got None: assign your result to the variable (a function "
                            f"without `return` gives None)")
    if isinstance(got, str):
        try:
            float(got)
        except ValueError:
            raise ExerciseError(f"{name}: expected a number, got the text {got!r}") from None
        raise ExerciseError(f"{name}: expected a number, got the text {got!r}: remove the quotes")
    if callable(got) and not hasattr(got, "__array__"):
        label = getattr(got, "__name__", "it")
        raise ExerciseError(f"{name}: got the function {label}, not its result: call it, {label}(...)")
    if isinstance(got, dict):
        raise ExerciseError(f"{name}: expected numbers, got a dict with keys {list(got)[:5]}")
    try:
        array = np.asarray(got)
    except Exception:
        raise ExerciseError(f"{name}: could not be read as an array of numbers (rows of "
                            f"different lengths, or a symbolic tensor: call the model on data)") from None
    if array.dtype.kind in "USO":
        try:
            array = array.astype(float)
        except (TypeError, ValueError):
            raise ExerciseError(f"{name}: expected numbers only, got {array.ravel()[:5].tolist()}: "
                                f"remove text and None from it") from None
    if array.dtype.kind == "c":
        raise ExerciseError(f"{name}: got complex numbers; expected real ones")
    return array.astype(float)


def check_value(name, got, expected, tol=1e-6):
    """Compare a number, an array or a word with the expected one; print the verdict or raise.

    Words (a prediction such as ``"higher"``) are compared without regard to case or spaces.
    """
    if isinstance(expected, str):
        if not isinstance(got, str):
            raise ExerciseError(f"{name}: expected a word such as {expected!r} (in quotes), "
                                f"got {got!r}")
        if got.strip().lower() != expected.strip().lower():
            raise ExerciseError(f"{name}: expected {expected!r}, got {got!r}")
        print(f"✓ {name} is right.")
        return
    got_array, expected_array = _numbers(name, got), np.asarray(expected, dtype=float)
    if got_array.shape != expected_array.shape:
        if got_array.T.shape == expected_array.shape and got_array.ndim > 1:
            hint = ": transposed? try .T"
        elif got_array.size == expected_array.size:
            hint = f": the values are there; reshape to {expected_array.shape}"
        else:
            hint = f" ({got_array.size} values, expected {expected_array.size})"
        raise ExerciseError(f"{name}: expected shape {expected_array.shape}, got "
                            f"{got_array.shape}{hint}")
    if np.isnan(got_array).any() and not np.isnan(expected_array).any():
        raise ExerciseError(f"{name}: contains NaN (not a number): look for a division by zero "
                            f"or the log of 0")
    if not np.allclose(got_array, expected_array, atol=tol, rtol=0, equal_nan=True):
        worst = float(np.nanmax(np.abs(got_array - expected_array)))
        shown = got if got_array.size <= 6 else f"an array off by up to {worst:.3g}"
        wanted = expected if expected_array.size <= 6 else "other values"
        raise ExerciseError(f"{name}: expected {wanted}, got {shown} (off by {worst:.3g}; "
                            f"tolerance {tol:g})")
    print(f"✓ {name} is right.")


# --- verdicts on the student's own run ---------------------------------------------------------

def check_verdict(name, got, estimate, *, above, below, undecided):
    """Grade the verdict word a student read off their **own** run, never the book's.

    ``estimate`` is the :class:`book.stats.Estimate` computed from the student's numbers (for
    example ``paired_difference(mine_correct, baseline_correct)``); the right word is
    ``above`` or ``below`` only when its interval excludes zero, ``undecided`` otherwise.
    """
    choices = (above, below, undecided)
    if not isinstance(got, str) or got.strip().lower() not in [c.lower() for c in choices]:
        raise ExerciseError(f"{name}: pick one of {', '.join(repr(c) for c in choices)} "
                            f"(in quotes), got {got!r}")
    right = estimate.verdict(above, below, undecided)
    shown = estimate.scaled(100)
    interval = (f"your difference is {shown.value:+.1f} points, 95 % interval "
                f"{shown.interval_text()}")
    if got.strip().lower() != right.lower():
        reason = ("its interval excludes zero, so your run does tell the direction"
                  if estimate.decided else
                  "its interval includes zero, so your run cannot tell the direction")
        raise ExerciseError(f"{name}: {interval}; {reason}: the verdict is {right!r}")
    print(f"✓ {name}: {right!r} is what your run shows; {interval}.")


install_blank_handler()
