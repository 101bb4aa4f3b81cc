"""Sphinx extension of the book (listed in ``_config.yml``).

At start-up it
- checks ``BOOK_PROFILE`` (an unknown profile stops the build before anything runs);
- checks every quiz bank in ``quizzes/`` (a malformed one stops the build, naming file and question);
- makes ``BOOK_DATA_DIR`` absolute, so lessons that execute in ``lessons/`` find the data;
- points myst-nb's execution cache at a folder named after a fingerprint of everything that changes
  results besides the cells' source: the profile, the ``book`` package, the pinned environment.
  jupyter-cache keys a notebook on its code alone, so without this a lesson run in the quick
  profile, or with an older helper, would be served from the cache unchanged;
- serves MathJax from the book's own files (npm package ``mathjax``), so pages render offline.

The Results page (``results.md``) holds the ``{results-table}`` directive: every experiment that
the lessons recorded with ``book.results.record``, beside the course's reference numbers, and the
expectations of ``results/reference.yml`` checked against this build. That page is read again in
every build, after the lessons (whose glued records it reads).

When the HTML is written it makes each lesson's student and instructor notebooks
(``book.notebooks``) under ``notebooks/`` and points every lesson's Colab and Binder buttons at the
student notebook on the repository's notebooks branch (``book_notebooks_branch``), where
``notebooks/`` is published; the download menu offers both notebooks. It also writes each lesson's
records to ``results/<lesson>.json`` (schema in ``book.results``).
"""

import hashlib
import json
import os
import platform
import shutil
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

from sphinx.errors import ConfigError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

from .data import DATA_DIR_VAR
from .profile import UnknownProfileError, current_profile
from .quiz import QuizError, load_bank
from .results import (ResultsError, check, checks_markdown, lesson_file, load_reference, read_records,
                      results_markdown)

MATHJAX_FILES = ("tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors")
COLAB = "https://colab.research.google.com/github/{repo}/blob/{branch}/student/{stem}.ipynb"
BINDER = "https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/student/{stem}.ipynb"
RESULTS_PAGE, REFERENCE = "results", Path("results") / "reference.yml"
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
    if not _mathjax_source(app).is_dir():
        raise ConfigError("MathJax is not installed: run `npm ci` in the book's folder "
                          "(the book serves MathJax itself, so that it renders offline).")
    config.mathjax_path = "mathjax/tex-mml-chtml.js"
    for bank in sorted(Path(app.srcdir).glob("quizzes/*.yml")):  # fail before any lesson runs
        try:
            load_bank(bank)
        except QuizError as error:
            raise ConfigError(f"malformed quiz bank: {error}") from None


def _mathjax_source(app):
    return Path(app.srcdir) / "node_modules" / "mathjax" / "es5"


def _lesson_stem(pagename):
    return pagename.split("/", 1)[1] if pagename.startswith("lessons/") else None


def launch_links(repository_url, branch, stem):
    """Colab and Binder addresses of a lesson's student notebook."""
    repo = urlparse(repository_url).path.strip("/").removesuffix(".git")
    return {"Colab": COLAB.format(repo=repo, branch=branch, stem=stem),
            "Binder": BINDER.format(repo=repo, branch=branch, stem=stem)}


def _header_buttons(app, pagename, templatename, context, doctree):
    """Launch buttons that open the student notebook; notebook downloads."""
    buttons = context.get("header_buttons", [])
    stem = _lesson_stem(pagename)
    for group in [b for b in buttons if b.get("label") == "launch-buttons"]:
        if stem is None:                       # only lessons are notebooks
            buttons.remove(group)
            continue
        links = launch_links(app.config.html_theme_options["repository_url"],
                             app.config.book_notebooks_branch, stem)
        for button in group["buttons"]:
            for name, url in links.items():
                if button.get("text", "").startswith(name):
                    button["url"] = url
    for group in [b for b in buttons if b.get("label") == "download-buttons"]:
        if stem is not None:
            group["buttons"] = [b for b in group["buttons"] if b.get("label") != "download-notebook-button"]
            for kind in ("student", "instructor"):
                group["buttons"].insert(0, {
                    "type": "link", "text": f".ipynb ({kind})", "icon": "fas fa-code",
                    "url": context["pathto"](f"notebooks/{kind}/{stem}.ipynb", 1),
                    "tooltip": f"Download the {kind} notebook", "label": f"download-{kind}-notebook"})


def _lesson_records(env):
    """``{docname: {experiment: record}}`` from the lessons' glue files, in reading order."""
    glue_dir = Path(env.mystnb_config.output_folder)
    return {doc: read_records(glue_dir / f"{doc}.glue.json")
            for doc in sorted(env.found_docs) if _lesson_stem(doc)}


class ResultsTable(SphinxDirective):
    """``{results-table}``: this build's results beside the reference, and the expectations checked."""

    def run(self):
        reference_path = Path(self.env.srcdir) / REFERENCE
        self.env.note_dependency(str(reference_path))
        try:
            reference = load_reference(reference_path)
        except (OSError, ResultsError) as error:
            raise self.error(f"results-table: {error}") from None
        records = _lesson_records(self.env)
        profile = current_profile().name
        found = {name: entry for lesson in records.values() for name, entry in lesson.items()}
        expectations = reference["expectations"].get("all", []) + reference["expectations"].get(profile, [])
        checks = check(expectations, found)
        violated = [c for c in checks if not c.holds]
        summary = (f"```{{admonition}} {len(violated)} of {len(checks)} expectations violated\n"
                   f":class: error\nThis build is worse than the expectations below.\n```" if violated else
                   f"All {len(checks)} expectations of the {profile} profile hold in this build.")
        text = "\n\n".join([summary, results_markdown(records, reference, profile),
                             f"**Expectations checked in the {profile} profile**", checks_markdown(checks)])
        return nested_parse_to_nodes(self.state, text)


def _always_reread_results(app, env, added, changed, removed):
    return [RESULTS_PAGE] if RESULTS_PAGE in env.found_docs else []


def _read_results_last(app, env, docnames):
    if RESULTS_PAGE in docnames:                 # it reads what the lessons glued while being read
        docnames.remove(RESULTS_PAGE)
        docnames.append(RESULTS_PAGE)


def _write_results(app):
    out = Path(app.outdir) / "results"
    for doc, records in _lesson_records(app.env).items():
        if records:
            out.mkdir(exist_ok=True)
            stem = _lesson_stem(doc)
            (out / f"{stem}.json").write_text(json.dumps(lesson_file(stem, records), indent=1))


def _finish(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    target = out / "_static" / "mathjax"
    for part in MATHJAX_FILES:
        source = _mathjax_source(app) / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)

    _write_results(app)
    from .notebooks import write_all

    root = Path(app.srcdir)
    lessons = [root / f"{doc}.md" for doc in sorted(app.env.found_docs) if _lesson_stem(doc)]
    if lessons:
        write_all(lessons, Path(app.config.nb_execution_cache_path), out.parent / "jupyter_execute" / "lessons",
                  out / "notebooks", root / "binder" / "requirements.txt",
                  app.config.html_theme_options["repository_url"].removesuffix(".git"))


def setup(app):
    app.add_config_value("book_notebooks_branch", "notebooks", "html", str)
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _header_buttons, priority=600)
    app.connect("build-finished", _finish)
    app.connect("env-get-outdated", _always_reread_results)
    app.connect("env-before-read-docs", _read_results_last)
    app.add_directive("results-table", ResultsTable)
    app.add_js_file("quiz-keyboard.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
