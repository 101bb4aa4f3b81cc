"""Which pages are lessons, the records each lesson glued, and the pages that sum them up.

The summary pages (Results, Schedule, Changes) show what the lessons produced, so they are read again
in every build, after the lessons.
"""

from pathlib import Path

from ..results import read_records

SUMMARY_PAGES = ("results", "schedule", "changes")


def lesson_stem(pagename):
    """``01-dense-to-cnn`` for ``lessons/01-dense-to-cnn``; ``None`` for other pages."""
    return pagename.split("/", 1)[1] if pagename.startswith("lessons/") else None


def lesson_records(env):
    """``{docname: {experiment: record}}`` from the lessons' glue files, in reading order."""
    glue_dir = Path(env.mystnb_config.output_folder)
    return {doc: read_records(glue_dir / f"{doc}.glue.json")
            for doc in sorted(env.found_docs) if lesson_stem(doc)}


def _always_reread_summaries(app, env, added, changed, removed):
    return [page for page in SUMMARY_PAGES if page in env.found_docs]


def _read_summaries_last(app, env, docnames):
    for page in SUMMARY_PAGES:
        if page in docnames:
            docnames.remove(page)
            docnames.append(page)


def setup(app):
    app.connect("env-get-outdated", _always_reread_summaries)
    app.connect("env-before-read-docs", _read_summaries_last)
