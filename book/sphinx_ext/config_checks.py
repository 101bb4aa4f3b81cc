"""Checks made when the build starts, before any lesson runs.

- ``BOOK_PROFILE`` must name a profile (a bad ``BOOK_SEED`` stops the build earlier, when
  ``book.runtime`` is imported, with the same kind of message);
- ``BOOK_DATA_DIR`` is made absolute, so lessons that execute in ``lessons/`` find the data; a
  folder that does not exist stops the build, and the datasets it lacks are named (Keras
  downloads them);
- every quiz bank in ``quizzes/`` must be well-formed (a malformed one names file and question);
- ``BOOK_BUILD=1`` is set for the lessons' kernels: a sentence's guard (``book.claims``) then
  fails the build instead of printing "your run differs" as it does for a learner.
"""

import os
from pathlib import Path

from sphinx.errors import ConfigError
from sphinx.util import logging

from ..claims import BUILD_VARIABLE
from ..data import DATA_DIR_VAR, DataError, missing_datasets
from ..profile import UnknownProfileError, current_profile
from ..quiz import QuizError, load_bank


def check_profile(app, config):
    try:
        current_profile()
    except UnknownProfileError as error:
        raise ConfigError(str(error)) from None


def resolve_data_dir(app, config):
    data_dir = os.environ.get(DATA_DIR_VAR, "").strip()
    if not data_dir:
        return
    os.environ[DATA_DIR_VAR] = str(Path(data_dir).expanduser().resolve())
    try:
        missing = missing_datasets()
    except DataError as error:
        raise ConfigError(str(error)) from None
    if missing:
        files = "; ".join(f"{name} ({' or '.join(options)})" for name, options in missing.items())
        logging.getLogger(__name__).info(
            f"{DATA_DIR_VAR}={data_dir} lacks {files}: Keras will download these instead "
            f"(needs internet).")


def check_quiz_banks(app, config):
    for bank in sorted(Path(app.srcdir).glob("quizzes/*.yml")):
        try:
            load_bank(bank)
        except QuizError as error:
            raise ConfigError(f"malformed quiz bank: {error}") from None


def mark_build(app, config):
    os.environ[BUILD_VARIABLE] = "1"


def setup(app):
    for check in (mark_build, check_profile, resolve_data_dir, check_quiz_banks):
        app.connect("config-inited", check)
