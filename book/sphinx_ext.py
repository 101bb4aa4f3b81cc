"""Sphinx extension of the book (listed in ``_config.yml``).

At start-up it
- checks ``BOOK_PROFILE`` (an unknown profile stops the build before anything runs);
- makes ``BOOK_DATA_DIR`` absolute, so lessons that execute in ``lessons/`` find the data;
- points myst-nb's execution cache at a folder named after a fingerprint of everything that changes
  results besides the cells' source: the profile, the ``book`` package, the pinned environment.
  jupyter-cache keys a notebook on its code alone, so without this a lesson run in the quick
  profile, or with an older helper, would be served from the cache unchanged.
"""

import hashlib
import os
import platform
from importlib import metadata
from pathlib import Path

from sphinx.errors import ConfigError

from .data import DATA_DIR_VAR
from .profile import UnknownProfileError, current_profile

ENVIRONMENT_PACKAGES = ("tensorflow", "keras", "numpy", "matplotlib", "jupyter-book", "myst-nb")


def fingerprint(project_root: Path, profile_name: str) -> str:
    """A short hash of the profile, the ``book`` package's source and the pinned, installed environment."""
    digest = hashlib.sha256(f"profile={profile_name}\npython={platform.python_version()}\n".encode())
    for package in ENVIRONMENT_PACKAGES:
        try:
            digest.update(f"{package}=={metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} missing\n".encode())
    lock = project_root / "requirements.lock"
    if lock.is_file():
        digest.update(lock.read_bytes())
    package = project_root / "book"
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def execution_cache_path(project_root: Path, profile_name: str) -> Path:
    return project_root / "_build" / ".jupyter_cache" / f"{profile_name}-{fingerprint(project_root, profile_name)}"


def _configure(app, config):
    try:
        profile = current_profile()
    except UnknownProfileError as error:
        raise ConfigError(str(error)) from None
    data_dir = os.environ.get(DATA_DIR_VAR, "").strip()
    if data_dir:
        os.environ[DATA_DIR_VAR] = str(Path(data_dir).expanduser().resolve())
    config.nb_execution_cache_path = str(execution_cache_path(Path(app.srcdir), profile.name))


def setup(app):
    app.connect("config-inited", _configure)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
