"""Shared fixtures: the project root, the offline data folder and one build of the book."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Tests read the offline datasets like the book does; default to the folder beside the project.
_data_dir = os.environ.get("BOOK_DATA_DIR") or str(ROOT.parent / "shared" / "datasets")
os.environ["BOOK_DATA_DIR"] = str(Path(_data_dir).resolve())


def jupyter_book(*args, cwd=ROOT, env=None):
    """Run ``jupyter-book`` from this environment; return the finished process (output captured)."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The whole book built in the quick profile into a temporary folder; returns the HTML folder.

    Execution results come from the project's jupyter-cache (``_build/.jupyter_cache``), which is
    keyed on the profile, the helper package and the environment: after ``.ci/run`` has built the
    book, nothing executes twice; run alone, this fixture executes every lesson.
    """
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "BOOK_PROFILE": "quick"}
    result = jupyter_book("build", "--warningiserror", "--nitpick", "--keep-going",
                          "--path-output", str(out), ".", env=env)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return out / "_build" / "html"
