"""``start_lesson()``: the first call of every lesson.

It fixes the random seeds (a rebuild reproduces the numbers), sets up the GPU so that the lesson
shares the card instead of taking it all, and shows a banner with the profile, the Keras backend,
the device and the versions, so a reader knows where the numbers on the page come from.

Keras runs on TensorFlow (the default, what the book is built with) or on JAX: choose with
``KERAS_BACKEND``. TensorFlow is asked to grow its GPU memory as needed; JAX is told not to
reserve most of the card up front (``XLA_PYTHON_CLIENT_PREALLOCATE=false``, set in
``book/__init__.py`` before JAX can be imported).
"""

import contextlib
import html
import logging
import os
import sys
import tempfile
from dataclasses import dataclass

from .plots import use_book_style
from .profile import Profile, current_profile

SEED_VARIABLE = "BOOK_SEED"
DEFAULT_SEED = 2024


class SeedError(ValueError):
    """``BOOK_SEED`` is not a seed."""


def seed_from_environment() -> int:
    """The seed of this build: ``BOOK_SEED`` if set (an instructor's rerun), else 2024."""
    raw = os.environ.get(SEED_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_SEED
    if not raw.isdigit() or int(raw) >= 2**32:
        raise SeedError(f"{SEED_VARIABLE}={raw!r} is not a seed: use a whole number from 0 to "
                        f"{2**32 - 1}, or unset it for the book's own seed {DEFAULT_SEED}")
    return int(raw)


# Lessons that reseed before each of several runs use this, so one setting moves them all.
SEED = seed_from_environment()


PROVENANCE_KEY = "provenance"       # glued, hidden: read by book.records


@dataclass(frozen=True)
class RunInfo:
    profile: Profile
    device: str
    backend: str             # "TensorFlow 2.21.0", "JAX 0.4.35"
    keras: str
    seed: int = DEFAULT_SEED

    def _items(self):
        items = [("Profile", f"{self.profile.name} ({self.profile.description})"),
                 ("Device", self.device), ("Backend", self.backend), ("Keras", self.keras)]
        if self.seed != DEFAULT_SEED:        # an instructor's rerun says so on every page
            items.append(("Seed", str(self.seed)))
        return items

    def __str__(self):
        return " | ".join(f"{name}: {value}" for name, value in self._items())

    def _repr_html_(self):
        cells = " ".join(f'<span><b>{name}</b> {html.escape(value)}</span>'
                         for name, value in self._items())
        return f'<div class="book-banner" role="note" aria-label="How this page was run">{cells}</div>'


def backend() -> str:
    """The Keras backend in use: ``tensorflow``, ``jax``, ..."""
    import keras

    return keras.backend.backend()


def backend_version() -> str:
    """The backend's name and version, as the banner shows it: ``TensorFlow 2.21.0``, ``JAX 0.4.35``."""
    name = backend()
    module = __import__(name)
    label = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}.get(name, name)
    return f"{label} {module.__version__}"


def gpu_names() -> list:
    """The names of the GPUs the backend computes on (empty on a CPU)."""
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
                for gpu in tf.config.list_physical_devices("GPU")]
    if name == "jax":
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    if name == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def device() -> str:
    """The device Keras computes on, as the banner shows it: ``CPU`` or ``GPU: <name>``."""
    names = gpu_names()
    return "GPU: " + ", ".join(names) if names else "CPU"


@contextlib.contextmanager
def _native_stderr_held_back():
    """Keep the backends' C++ start-up messages (CUDA probing, CPU notes) off the page.

    They are written to file descriptor 2 directly, past Python's logging and TF_CPP_MIN_LOG_LEVEL.
    If start-up fails, they are printed after all, since they then explain the failure.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            held.seek(0)
            os.write(saved, held.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _set_up_gpus():
    """Share the card: TensorFlow grows its memory as needed (this must precede any GPU use)."""
    if backend() == "tensorflow":
        import tensorflow as tf

        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)


def exact_float32():
    """Multiply float32 matrices in full float32 on GPUs, for checks finer than 1e-3.

    Recent NVIDIA GPUs multiply float32 matrices in TF32 by default (about three significant
    digits); each backend has its own switch. On a CPU neither changes anything.
    """
    if backend() == "jax":
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")
    elif backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(False)


def _display(obj):
    """IPython's display where there is IPython, else print (plain Python, ``book.gpu_check``)."""
    try:
        from IPython.display import display
    except ImportError:
        print(obj)
        return
    display(obj)


def provenance(profile, seed) -> dict:
    """Where this lesson's numbers come from: the records of a build carry it."""
    import datetime
    import platform
    from importlib import metadata

    packages = {}
    for name in ("tensorflow", "jax", "keras", "numpy", "scipy"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {"profile": profile.name, "seed": seed, "backend": backend_version(),
            "device": device(), "python": platform.python_version(), "packages": packages,
            "executed": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds")}


def start_lesson(seed: int = None) -> Profile:
    """Seed everything, set up the GPU and the figure style, show the banner; return the profile.

    The seed is ``BOOK_SEED`` where an instructor set it, else the book's 2024.
    """
    import json

    from .glue import glue

    seed = SEED if seed is None else seed
    profile = current_profile()
    with _native_stderr_held_back():
        import keras

        _set_up_gpus()
        info = RunInfo(profile, device(), backend_version(), keras.__version__, seed)
    keras.utils.set_random_seed(seed)  # Python, NumPy and the backend's generators at once
    # TensorFlow's notes on retracing a function for a new model are about speed, not results;
    # on a page they would be warnings (and the build treats warnings as errors)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    use_book_style()
    _display(info)
    glue(PROVENANCE_KEY, json.dumps(provenance(profile, seed)), display=False)
    return profile
