"""Helpers shared by the lessons of the CNN textbook.

Each module is small enough to read in a minute:

- ``book.profile``  which sizes to run (``BOOK_PROFILE=quick`` or ``full``)
- ``book.runtime``  ``start_lesson()``: seeds, GPU set-up and the banner on top of each lesson
- ``book.data``     MNIST, Fashion-MNIST, CIFAR-10 and weights, offline from ``BOOK_DATA_DIR``
- ``book.plots``    learning curves
- ``book.results``  ``record()``: every experiment's numbers, gathered on the Results page
"""

import os

# Set before TensorFlow is first imported: keep its C++ start-up chatter out of the pages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from .profile import Profile, UnknownProfileError, current_profile  # noqa: E402
from .runtime import start_lesson  # noqa: E402

__all__ = ["Profile", "UnknownProfileError", "current_profile", "start_lesson"]
