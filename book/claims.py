"""Guards for the book's sentences: the build fails on them, a learner's run carries on.

A sentence of the book that rests on a run ("the paired interval excludes zero") is guarded
by a check right after the run::

    from book.claims import claim
    claim(estimate.decided, "CNN1 and the dense network differ beyond the noise",
          book="decided", yours=estimate.text())

While the book is built (``BOOK_BUILD=1``, set by the Sphinx extension and by
``python -m book.gpu_check``) a failed check stops the build, naming the sentence. In a
learner's notebook (Colab, Binder, a laptop: other versions, perhaps a GPU) the same check
prints one line, "your run differs from the book's: ...", with both numbers, and the lesson
carries on: a different outcome is a result, not an error.
"""

import os

BUILD_VARIABLE = "BOOK_BUILD"


class ClaimError(AssertionError):
    """A sentence of the book is not supported by this build's run."""


def building() -> bool:
    """True while the book itself is being built (or checked by ``book.gpu_check``)."""
    return os.environ.get(BUILD_VARIABLE, "") == "1"


def claim(holds, sentence, **numbers):
    """Check that ``sentence`` holds in this run; ``numbers`` are shown if it does not."""
    if holds:
        return True
    detail = ", ".join(f"{name}: {value}" for name, value in numbers.items())
    if building():
        raise ClaimError(f"the page says {sentence!r}, but this run does not support it"
                         + (f" ({detail})" if detail else ""))
    print(f"Your run differs from the book's: the book says {sentence!r}"
          + (f"; your run: {detail}" if detail else "")
          + ". That is a result, not an error: read the page's sentence with your numbers.")
    return False
