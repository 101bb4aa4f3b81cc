"""The helper package on both Keras backends: TensorFlow (the book's) and JAX.

Each check runs in a fresh Python process, since Keras picks its backend once, at import.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

BANNER = textwrap.dedent("""
    import json, sys
    import book
    profile = book.start_lesson()
    from book.results import record
    import keras
    entry = record("backend-check", accuracy=0.5)
    print(json.dumps({"backend": keras.backend.backend(), "entry": entry}))
""")


def run_python(code, backend, **env):
    environment = {**os.environ, "KERAS_BACKEND": backend, **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("backend, label", [("tensorflow", "TensorFlow"), ("jax", "JAX")])
def test_start_lesson_names_the_backend_and_its_version(backend, label):
    pytest.importorskip(backend)
    result = run_python(BANNER, backend)
    assert result.returncode == 0, result.stderr[-3000:]
    banner, last = result.stdout.splitlines()[0], json.loads(result.stdout.splitlines()[-1])
    assert f"Backend: {label} " in banner and "Profile: quick" in banner and "Device: CPU" in banner
    assert last["backend"] == backend
    assert last["entry"]["device"] == "CPU" and last["entry"]["profile"] == "quick"


def test_start_lesson_prints_its_banner_without_ipython():
    hidden = "import sys; sys.modules['IPython'] = None\n"       # import IPython now fails
    result = run_python(hidden + BANNER, "jax" if _has("jax") else "tensorflow")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("Profile: quick")


def test_the_package_imports_without_tensorflow(tmp_path):
    pytest.importorskip("jax")
    shadow = hide_tensorflow(tmp_path)
    code = BANNER + "assert 'tensorflow' not in sys.modules\n"
    result = run_python(code, "jax", PYTHONPATH=str(shadow))
    assert result.returncode == 0, result.stderr[-3000:]


def hide_tensorflow(folder):
    """A folder whose ``tensorflow`` package fails to import, as on a machine without it.

    Put first on ``PYTHONPATH``, it shadows the installed TensorFlow: Keras then sees no
    TensorFlow (it would otherwise import it to seed ``tf.data`` even on JAX), and any
    ``import tensorflow`` in the book or a lesson raises ImportError.
    """
    package = folder / "no-tensorflow" / "tensorflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "raise ImportError('TensorFlow is hidden: this test simulates a machine without it')\n")
    return package.parent


def _has(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


SAME_TRAINING = textwrap.dedent("""
    import json
    import keras
    import numpy as np

    def train(steps_per_execution):
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(200, 8, 8, 3)).astype("float32"), rng.integers(0, 10, 200)
        keras.utils.set_random_seed(1)
        model = keras.Sequential([
            keras.Input((8, 8, 3)), keras.layers.RandomFlip("horizontal"),
            keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"), keras.layers.Flatten(), keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                      steps_per_execution=steps_per_execution)
        history = model.fit(x, y, epochs=2, batch_size=16, validation_data=(x[:50], y[:50]),
                            verbose=0)                 # 13 steps an epoch: calls of 4 and a part
        return model.get_weights(), history.history

    one_by_one, one_history = train(1)
    print(json.dumps({n: [max(float(np.abs(a - b).max()) for a, b in zip(one_by_one, weights)),
                          history == one_history]
                      for n, (weights, history) in ((n, train(n)) for n in (4, 32))}))
""")


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_steps_per_execution_trains_the_very_same_network(backend):
    """Lessons 7 and 8 compile with steps_per_execution=32: less time between steps, nothing else
    changes, down to the last bit of every weight and every logged metric (random layers,
    batch normalisation and dropout included)."""
    pytest.importorskip(backend)
    result = run_python(SAME_TRAINING, backend)
    assert result.returncode == 0, result.stderr[-3000:]
    differences = json.loads(result.stdout.splitlines()[-1])
    assert differences == {"4": [0.0, True], "32": [0.0, True]}
