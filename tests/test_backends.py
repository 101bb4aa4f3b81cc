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
