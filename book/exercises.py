"""Checkers for the fill-in-the-blank exercises.

A lesson states the architecture a student should build as a list of ``Expect`` (one per layer,
like the rows of ``model.summary()``), and ``check_model`` compares a model with it, layer by layer,
naming the first layer that differs and what is wrong with it::

    target = [Expect("Conv2D", output=(28, 28, 32), params=320, activation="relu"), ...]
    check_model(model, target)
"""

import numpy as np


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


def _with_batch(shape):
    return "(None, " + ", ".join(str(d) for d in shape) + ")" if shape else "(None,)"


def _normalise(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", activation) if activation is not None else None


def _output_shape(layer):
    try:
        return tuple(layer.output.shape[1:])
    except (AttributeError, ValueError):  # subclassed models have no symbolic outputs
        return None


def describe_layer(layer):
    """The same description as ``Expect.describe``, for an actual layer."""
    parts = [type(layer).__name__]
    if _activation_name(layer) not in (None, "linear"):
        parts.append(f"activation {_activation_name(layer)!r}")
    parts.append(f"{layer.count_params():,} parameters")
    shape = _output_shape(layer)
    if shape is not None:
        parts.append(f"output {_with_batch(shape)}")
    return ", ".join(parts)


def _differences(layer, expected):
    found = []
    if type(layer).__name__ != expected.type:
        return [f"it is a {type(layer).__name__}, not a {expected.type}"]
    config = layer.get_config()
    for key, value in expected.config.items():
        if _normalise(config.get(key)) != _normalise(value):
            found.append(f"{key} is {config.get(key)!r}, expected {value!r}")
    if expected.activation is not None and _activation_name(layer) != expected.activation:
        found.append(f"activation is {_activation_name(layer)!r}, expected {expected.activation!r}")
    if expected.params is not None and layer.count_params() != expected.params:
        found.append(f"{layer.count_params():,} parameters, expected {expected.params:,}")
    shape = _output_shape(layer)
    if expected.output is not None and shape is not None and shape != tuple(expected.output):
        found.append(f"output {_with_batch(shape)}, expected {_with_batch(expected.output)}")
    return found


def check_model(model, target):
    """Compare ``model`` with the list of ``Expect``; print the verdict or raise ``ExerciseError``."""
    if not hasattr(model, "layers"):
        raise ExerciseError(f"expected a Keras model, got {type(model).__name__}")
    layers = model.layers
    for number, (layer, expected) in enumerate(zip(layers, target), start=1):
        problems = _differences(layer, expected)
        if problems:
            raise ExerciseError(
                f"layer {number} ({layer.name}): expected {expected.describe()}; "
                f"got {describe_layer(layer)}: " + "; ".join(problems))
    if len(layers) != len(target):
        missing = [e.describe() for e in target[len(layers):]]
        extra = [describe_layer(layer) for layer in layers[len(target):]]
        detail = f"missing: {missing}" if missing else f"unexpected extra layers: {extra}"
        raise ExerciseError(f"the model has {len(layers)} layers, expected {len(target)}; {detail}")
    print(f"✓ All {len(target)} layers match: {model.count_params():,} parameters in total.")


def check_value(name, got, expected, tol=1e-6):
    """Compare a number, an array or a word with the expected one; print the verdict or raise.

    Words (a prediction such as ``"higher"``) are compared without regard to case or spaces.
    """
    if isinstance(expected, str):
        if not isinstance(got, str) or got.strip().lower() != expected.strip().lower():
            raise ExerciseError(f"{name}: expected {expected!r}, got {got!r}")
        print(f"✓ {name} is right.")
        return
    got_array, expected_array = np.asarray(got), np.asarray(expected)
    if got_array.shape != expected_array.shape:
        raise ExerciseError(f"{name}: expected shape {expected_array.shape}, got {got_array.shape}")
    if not np.allclose(got_array.astype(float), expected_array.astype(float), atol=tol, rtol=0):
        worst = float(np.max(np.abs(got_array.astype(float) - expected_array.astype(float))))
        shown = got_array if got_array.size <= 6 else f"an array off by up to {worst:.3g}"
        raise ExerciseError(f"{name}: expected {expected if expected_array.size <= 6 else 'other values'}, got {shown}")
    print(f"✓ {name} is right.")
