"""The execution cache, in a folder named after everything that changes results.

jupyter-cache keys a notebook on its code alone, so a lesson run in the quick profile, or with
an older helper package, would be served from the cache unchanged. The cache therefore lives in
``_build/.jupyter_cache/<profile>-<fingerprint>``, where the fingerprint covers the profile, the
seed (``BOOK_SEED``), the
``book`` package's source and the pinned, installed environment.
"""

import hashlib
import platform
from importlib import metadata
from pathlib import Path

from ..profile import current_profile
from ..runtime import seed_from_environment

ENVIRONMENT_PACKAGES = ("tensorflow", "keras", "numpy", "matplotlib", "jupyter-book",
                        "myst-nb")


def fingerprint(project_root: Path, profile_name: str) -> str:
    """A short hash of the profile, the seed, the ``book`` package and the environment."""
    digest = hashlib.sha256(
        f"profile={profile_name}\npython={platform.python_version()}\n".encode())
    # the seed, so that a rerun with BOOK_SEED is never served another seed's results
    digest.update(f"seed={seed_from_environment()}\n".encode())
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
    name = f"{profile_name}-{fingerprint(project_root, profile_name)}"
    return project_root / "_build" / ".jupyter_cache" / name


def _point_cache(app, config):
    config.nb_execution_cache_path = str(
        execution_cache_path(Path(app.srcdir), current_profile().name))


def setup(app):
    app.connect("config-inited", _point_cache)
