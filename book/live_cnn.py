"""The live CNN: a trained Keras model exported for the book's own in-browser forward pass.

A lesson calls ``export(model, "cnn2", mean=..., std=...)``. That glues (hidden) one JSON text
under ``live-cnn:cnn2``: the layers in order, their settings and their weights, the input
standardisation and a few example digits. The build (``book/sphinx_ext/live_cnn.py``) writes it to
``_static/live-cnn/cnn2.json`` (and ``cnn2.js``, the same JSON wrapped so that a page opened from
``file://`` can load it), and ``_static/live-cnn/live-cnn.js`` runs the model in the page: no
server, no TensorFlow.js. Export goes through glue, not a file, because a lesson served from the
execution cache does not run again.

Weights are base64 strings of little-endian arrays: convolution and dense kernels as float16 (about
three significant digits, half the size) or, with ``kernel_dtype="int8"``, as signed bytes times one
float32 scale per output unit (a quarter of float32, for large dense kernels); biases and
batch-normalisation statistics as float32. ``to_keras(spec)`` rebuilds a Keras model with exactly
the exported (rounded) weights, the reference that the browser test compares the page's
probabilities with.

``shift(images, dx, dy)`` moves raw images by whole pixels, cropping what leaves the frame and
filling with background (0): the page's shift experiment applies the same rule after its
mass-centring.

Supported layers: Conv2D, BatchNormalization (inference mode), Activation (relu, softmax, linear),
MaxPooling2D, Flatten, Dropout (identity at prediction) and Dense, all channels-last.
"""

import ast
import base64
import json
import re
from pathlib import Path

import numpy as np

PREFIX = "live-cnn:"
FORMAT = 1
ACTIVATIONS = ("linear", "relu", "softmax")
KERNEL_DTYPES = ("float16", "int8")


class LiveCnnError(ValueError):
    """The model uses something the in-browser forward pass does not implement."""


def _array(values, dtype):
    values = np.asarray(values, dtype=np.float32)
    entry = {"shape": list(values.shape), "dtype": dtype}
    if dtype == "int8":           # one scale per output unit (last axis): q * scale
        largest = np.abs(values.reshape(-1, values.shape[-1])).max(axis=0)
        scale = np.where(largest > 0, largest / 127, 1).astype(np.float32)
        data = np.round(values / scale).astype("i1").tobytes()
        entry["scale"] = [float(v) for v in scale]
    else:
        data = values.astype(f"<{'f2' if dtype == 'float16' else 'f4'}").tobytes()
    entry["data"] = base64.b64encode(data).decode("ascii")
    return entry


def decode(array):
    """The NumPy float32 array of one exported weight."""
    raw = base64.b64decode(array["data"])
    if array["dtype"] == "int8":
        values = np.frombuffer(raw, dtype="i1").astype(np.float32).reshape(array["shape"])
        return values * np.asarray(array["scale"], dtype=np.float32)
    dtype = "<f2" if array["dtype"] == "float16" else "<f4"
    return np.frombuffer(raw, dtype=dtype).astype(np.float32).reshape(array["shape"])


def _activation(config):
    name = config.get("activation", "linear")
    name = name if isinstance(name, str) else str(name)
    if name not in ACTIVATIONS:
        raise LiveCnnError(f"activation {name!r} is not supported ({ACTIVATIONS})")
    return name


def _pair(value):
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else [int(value)] * 2


def _layer(layer, kernel_dtype):
    kind, config = type(layer).__name__, layer.get_config()
    if config.get("data_format", "channels_last") != "channels_last":
        raise LiveCnnError(f"{layer.name}: only channels_last is supported")
    entry = {"name": layer.name, "type": kind,
             "output": [int(d) for d in layer.output.shape[1:]]}
    weights = [w.numpy() if hasattr(w, "numpy") else np.asarray(w)
               for w in layer.get_weights()]
    if kind == "Conv2D":
        if _pair(config["dilation_rate"]) != [1, 1] or config.get("groups", 1) != 1:
            raise LiveCnnError(f"{layer.name}: dilation and groups are not supported")
        entry.update(kernel_size=_pair(config["kernel_size"]),
                     strides=_pair(config["strides"]), padding=config["padding"],
                     activation=_activation(config),
                     kernel=_array(weights[0], kernel_dtype),
                     bias=_array(weights[1] if config["use_bias"]
                                 else np.zeros(weights[0].shape[-1]), "float32"))
    elif kind == "Dense":
        entry.update(activation=_activation(config),
                     kernel=_array(weights[0], kernel_dtype),
                     bias=_array(weights[1] if config["use_bias"]
                                 else np.zeros(weights[0].shape[-1]), "float32"))
    elif kind == "BatchNormalization":
        if config["axis"] not in (-1, [-1], len(layer.input.shape) - 1):
            raise LiveCnnError(f"{layer.name}: only the last axis is supported")
        names = [v.path.rsplit("/", 1)[-1] for v in layer.weights]
        values = dict(zip(names, weights))
        channels = values["moving_mean"].shape[0]
        entry.update(epsilon=float(config["epsilon"]),
                     gamma=_array(values.get("gamma", np.ones(channels)), "float32"),
                     beta=_array(values.get("beta", np.zeros(channels)), "float32"),
                     moving_mean=_array(values["moving_mean"], "float32"),
                     moving_variance=_array(values["moving_variance"], "float32"))
    elif kind == "Activation":
        entry.update(activation=_activation(config))
    elif kind == "MaxPooling2D":
        pool = _pair(config["pool_size"])
        entry.update(pool_size=pool, strides=_pair(config["strides"] or pool),
                     padding=config["padding"])
    elif kind in ("Flatten", "Dropout"):
        pass
    else:
        raise LiveCnnError(f"{layer.name}: layer type {kind} is not supported")
    return entry


def _readable_names(model_layers):
    """Keras's automatic names counted within this model (conv2d, conv2d_1, ...), as in a fresh
    session, not across every layer the lesson built before (conv2d_22); given names stay."""
    counts, names = {}, []
    for layer in model_layers:
        stem = re.sub(r"_\d+$", "", layer.name)
        if stem.replace("_", "") != type(layer).__name__.lower():
            names.append(layer.name)
            continue
        count = counts[stem] = counts.get(stem, -1) + 1
        names.append(f"{stem}_{count}" if count else stem)
    return names if len(set(names)) == len(names) else [layer.name for layer in model_layers]


def spec(model, name, *, mean, std, classes=None, examples=(), title=None,
         kernel_dtype="float16"):
    """The exported model as a dict: layers, weights, input standardisation, examples.

    ``mean`` and ``std`` standardise raw pixels (0 to 255) as the lesson did:
    ``(pixel - mean) / std``. ``examples`` are raw 28 x 28 images (0 to 255) shown by the
    page's "example digit" button. ``kernel_dtype`` ("float16" or "int8") encodes the
    convolution and dense kernels.
    """
    if kernel_dtype not in KERNEL_DTYPES:
        raise LiveCnnError(f"kernel_dtype {kernel_dtype!r}: use one of {KERNEL_DTYPES}")
    model_layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    layers = [_layer(layer, kernel_dtype) for layer in model_layers]
    for entry, name in zip(layers, _readable_names(model_layers)):
        entry["name"] = name
    shape = [int(d) for d in model.inputs[0].shape[1:]]
    examples = [np.clip(np.round(np.asarray(e, dtype=np.float32)), 0, 255)
                .astype(np.uint8).reshape(shape[:2]) for e in examples]
    return {"format": FORMAT, "name": name, "title": title or model.name,
            "input": {"shape": shape, "mean": float(mean), "std": float(std),
                      "scale": 255},
            "classes": [str(c) for c in (classes or range(layers[-1]["output"][-1]))],
            "examples": [base64.b64encode(e.tobytes()).decode("ascii")
                         for e in examples],
            "layers": layers}


def export(model, name, **options):
    """Glue the model (hidden) as ``live-cnn:<name>`` for the page; return the spec dict."""
    from .glue import glue

    if not name.replace("-", "").isalnum() or name != name.lower():
        raise LiveCnnError(f"name {name!r}: use lowercase letters, digits and '-'")
    result = spec(model, name, **options)
    glue(PREFIX + name, json.dumps(result, separators=(",", ":")), display=False)
    return result


def examples(model_spec):
    """The example digits as uint8 arrays of 28 x 28."""
    shape = model_spec["input"]["shape"][:2]
    return [np.frombuffer(base64.b64decode(e), dtype=np.uint8).reshape(shape)
            for e in model_spec["examples"]]


def standardise(pixels, model_spec):
    """Raw pixels (0 to 255), any shape of ``h x w`` images, as the model's input batch."""
    info = model_spec["input"]
    x = (np.asarray(pixels, dtype=np.float32) - info["mean"]) / info["std"]
    return x.reshape((-1, *info["shape"]))


def shift(images, dx, dy):
    """Raw images (``... x h x w``) moved ``dx`` pixels right and ``dy`` down (negative: left,
    up); what leaves the frame is cropped, what enters is background (0)."""
    images = np.asarray(images)
    moved = np.zeros_like(images)
    h, w = images.shape[-2:]
    if abs(dx) < w and abs(dy) < h:
        moved[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return moved


def to_keras(model_spec):
    """A Keras model with the exported layers and (rounded) weights."""
    import keras
    from keras import layers

    built = []
    for entry in model_spec["layers"]:
        kind, name = entry["type"], entry["name"]
        if kind == "Conv2D":
            layer = layers.Conv2D(entry["output"][-1], entry["kernel_size"],
                                  strides=entry["strides"], padding=entry["padding"],
                                  activation=entry["activation"], name=name)
            weights = [decode(entry["kernel"]), decode(entry["bias"])]
        elif kind == "Dense":
            layer = layers.Dense(entry["output"][-1], activation=entry["activation"],
                                 name=name)
            weights = [decode(entry["kernel"]), decode(entry["bias"])]
        elif kind == "BatchNormalization":
            layer = layers.BatchNormalization(epsilon=entry["epsilon"], name=name)
            weights = [decode(entry[key]) for key in
                       ("gamma", "beta", "moving_mean", "moving_variance")]
        elif kind == "Activation":
            layer, weights = layers.Activation(entry["activation"], name=name), []
        elif kind == "MaxPooling2D":
            layer = layers.MaxPooling2D(entry["pool_size"], strides=entry["strides"],
                                        padding=entry["padding"], name=name)
            weights = []
        elif kind == "Flatten":
            layer, weights = layers.Flatten(name=name), []
        elif kind == "Dropout":
            layer, weights = layers.Dropout(0.0, name=name), []
        else:
            raise LiveCnnError(f"layer type {kind} is not supported")
        built.append((layer, weights))
    model = keras.Sequential([keras.Input(shape=model_spec["input"]["shape"]),
                              *(layer for layer, _ in built)],
                             name=model_spec["name"])
    for layer, weights in built:
        if weights:
            layer.set_weights(weights)
    return model


def read_models(glue_json):
    """``{name: json_text}`` of the live CNNs a lesson glued (empty when there is none)."""
    path = Path(glue_json)
    if not path.is_file():
        return {}
    glued = json.loads(path.read_text(encoding="utf-8"))
    return {key[len(PREFIX):]: ast.literal_eval(value["data"]["text/plain"])
            for key, value in glued.items() if key.startswith(PREFIX)}
