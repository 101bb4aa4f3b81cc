"""Shared fixtures: the project root, the data the lessons read, and one build of the book."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Tests read the datasets like the book does: from BOOK_DATA_DIR when it is set (made absolute,
# since some tests run elsewhere), otherwise through Keras's downloads.
if os.environ.get("BOOK_DATA_DIR", "").strip():
    os.environ["BOOK_DATA_DIR"] = str(Path(os.environ["BOOK_DATA_DIR"]).expanduser().resolve())


def network_reachable():
    try:
        socket.create_connection(("storage.googleapis.com", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def data_available():
    """Skip, saying why, where neither BOOK_DATA_DIR nor Keras's downloads can provide the data."""
    folder = os.environ.get("BOOK_DATA_DIR", "").strip()
    if folder and not Path(folder).is_dir():
        pytest.skip(f"BOOK_DATA_DIR={folder} is not a folder; point it at the offline copies "
                    f"(README, 'BOOK_DATA_DIR') or unset it to let Keras download")
    if not folder and not network_reachable():
        pytest.skip("needs the datasets: BOOK_DATA_DIR is not set and Keras cannot download "
                    "(no internet); set BOOK_DATA_DIR to a folder of offline copies (README)")
    return Path(folder) if folder else None


def jupyter_book(*args, cwd=ROOT, env=None):
    """Run ``jupyter-book`` from this environment; return the finished process (output captured)."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, data_available):
    """The whole book built in the quick profile into a temporary folder; returns the HTML folder.

    Execution results come from the project's jupyter-cache (``_build/.jupyter_cache``), which is
    keyed on the profile, the helper package and the environment: after ``.ci/run`` has built the
    book, nothing executes twice; run alone, this fixture executes every lesson.
    ``BOOK_HTML=<folder>`` uses that built HTML instead (a developer's shortcut, e.g. a small
    book of two lessons; tests of lessons it lacks are skipped).
    """
    if os.environ.get("BOOK_HTML"):
        return Path(os.environ["BOOK_HTML"]).resolve()
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "BOOK_PROFILE": "quick"}
    result = jupyter_book("build", "--warningiserror", "--nitpick", "--keep-going",
                          "--path-output", str(out), ".", env=env)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return out / "_build" / "html"


def errors_in_kernel(cells, folder):
    """Run ``cells`` (sources) in a real Jupyter kernel in ``folder``, each allowed to fail;
    return each cell's error outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        source, metadata={"tags": ["raises-exception"]}) for source in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return [[o for o in cell.outputs if o.output_type == "error"] for cell in notebook.cells]


def pytest_terminal_summary(terminalreporter):
    """The learners' path's time per lesson, when it ran (tests/test_learners_path.py), and
    what changed against the build's reseeded baseline (tests/test_changes.py)."""
    changes = sys.modules.get("test_changes")
    if changes is not None and changes.SUMMARY:
        terminalreporter.write_line(f"against a baseline with lesson {changes.SMALL_LESSON} "
                                    f"reseeded ({changes.RESEED}):")
        for summary in changes.SUMMARY:
            terminalreporter.write_line(summary)
    module = sys.modules.get("test_learners_path")
    if module is not None and module.TIMINGS:
        terminalreporter.write_line("learners' path: " + ", ".join(
            f"{name} {seconds:.0f} s" for name, seconds in module.TIMINGS.items()))
