"""Helpers shared by the lessons of the CNN textbook.

Each module is small enough to read in a minute:

- ``book.profile``  which sizes to run (``BOOK_PROFILE=quick`` or ``full``)
- ``book.runtime``  ``start_lesson()``: seeds, GPU set-up and the banner on top of each lesson
  (TensorFlow or JAX backend)
- ``book.data``     MNIST, Fashion-MNIST, CIFAR-10 and weights, offline from ``BOOK_DATA_DIR``
- ``book.plots``    learning curves
- ``book.results``  ``record()``: every experiment's numbers, gathered on the Results page
- ``book.cells``    the code cells of a lesson's Markdown file, to run without Jupyter
- ``book.gpu_check`` ``python -m book.gpu_check``: the full profile of the small-data lessons
- ``book.parallel`` ``run_configurations()``: independent training runs, one per GPU
"""

import importlib.util
import os

# Set before TensorFlow or JAX is first imported: keep TensorFlow's C++ start-up chatter out of
# the pages, and let JAX take GPU memory as needed instead of 75 % of the card at start-up.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
# The book's backend is TensorFlow; where only JAX is installed (many GPU images), JAX.
_installed = importlib.util.find_spec("tensorflow") or not importlib.util.find_spec("jax")
os.environ.setdefault("KERAS_BACKEND", "tensorflow" if _installed else "jax")

from .profile import Profile, UnknownProfileError, current_profile  # noqa: E402
from .runtime import start_lesson  # noqa: E402

__all__ = ["Profile", "UnknownProfileError", "current_profile", "start_lesson"]
