"""The execution cache must not serve results computed under another profile, helper or environment."""

import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from book.sphinx_ext.execution_cache import execution_cache_path, fingerprint
from conftest import ROOT, jupyter_book


@pytest.fixture
def project(tmp_path):
    """A copy of what the fingerprint reads: the book package and the lock file."""
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    return tmp_path


def test_fingerprint_is_stable(project):
    assert fingerprint(project, "quick") == fingerprint(project, "quick")


def test_fingerprint_changes_with_the_profile(project):
    assert fingerprint(project, "quick") != fingerprint(project, "full")
    assert execution_cache_path(project, "full").name.startswith("full-")


def test_fingerprint_changes_with_the_helper_package(project):
    before = fingerprint(project, "quick")
    with open(project / "book" / "plots.py", "a") as source:
        source.write("\n# a changed helper\n")
    assert fingerprint(project, "quick") != before


def test_fingerprint_changes_with_the_pinned_environment(project):
    before = fingerprint(project, "quick")
    lock = project / "requirements.lock"
    lock.write_text(lock.read_text().replace("tensorflow==", "tensorflow==9", 1))
    assert fingerprint(project, "quick") != before


LESSON = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# Probe

```{code-cell} ipython3
import os, time
print("profile", os.environ.get("BOOK_PROFILE", "quick"), "run", time.time_ns())
```
"""


def _build_probe(book_dir, profile):
    """Build from scratch but for the execution cache, so only the cache can carry results over."""
    for output in (book_dir / "_build").glob("*"):
        if output.name != ".jupyter_cache":
            shutil.rmtree(output)
    env = {**os.environ, "BOOK_PROFILE": profile}
    result = jupyter_book("build", "--warningiserror", ".", cwd=book_dir, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = (book_dir / "_build" / "html" / "probe.html").read_text()
    return re.search(r"profile (\w+) run (\d+)", html).groups()


def test_a_real_build_reexecutes_when_the_fingerprint_changes(project):
    (project / "probe.md").write_text(LESSON)
    (project / "_toc.yml").write_text("format: jb-book\nroot: probe\n")
    (project / "_config.yml").write_text(textwrap.dedent("""\
        title: probe
        only_build_toc_files: true
        execute: {execute_notebooks: cache}
        sphinx: {extra_extensions: [book.sphinx_ext]}
        """))
    quick_profile, quick_run = _build_probe(project, "quick")
    assert quick_profile == "quick"
    assert _build_probe(project, "quick") == (quick_profile, quick_run)   # unchanged: served from cache

    full_profile, full_run = _build_probe(project, "full")                 # same cells, other profile
    assert full_profile == "full" and full_run != quick_run

    with open(project / "book" / "plots.py", "a") as source:               # same cells, changed helper
        source.write("\n# a changed helper\n")
    assert _build_probe(project, "full")[1] != full_run
