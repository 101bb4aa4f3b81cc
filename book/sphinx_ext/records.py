"""The records of every glued number (``book.records``) and the Changes page (``book.changes``).

- at the end of the build, ``records/<lesson>.json`` and ``records/index.json`` are written
  next to the pages, from the lessons' glue files (the values the pages were made from);
- the ``{changes}`` directive of the Changes page compares them with the baseline named by
  ``BOOK_BASELINE`` (a records folder or a published book's address), and the build log ends
  with the same comparison in a few plain lines. Without a baseline the page says so; a
  damaged or partial baseline is named on the page and in the log, and the build keeps all
  of its own outputs.
"""

import os
from pathlib import Path

from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

from ..changes import (BASELINE_VARIABLE, ChangesError, compare, load_records,
                       report_markdown, summary_text)
from ..records import current_commit, glued_from_json, lesson_record, write_records
from .pages import lesson_stem

logger = logging.getLogger(__name__)
CROSS_PROFILE_VARIABLE = "BOOK_BASELINE_CROSS_PROFILE"


def build_records(env):
    """``{lesson: record}`` for every lesson of this build."""
    glue_dir = Path(env.mystnb_config.output_folder)
    commit = current_commit(env.srcdir)
    records = {}
    for doc in sorted(env.found_docs):
        stem = lesson_stem(doc)
        if not stem:
            continue
        source = Path(env.srcdir) / f"{doc}.md"
        glued = glued_from_json(glue_dir / f"{doc}.glue.json")
        records[stem] = lesson_record(stem, glued, source.read_text(encoding="utf-8"), commit)
    return records


def _comparison(env):
    """``(report, baseline, current)``, or ``(None, message, None)`` when it cannot be made."""
    baseline_source = os.environ.get(BASELINE_VARIABLE, "").strip()
    if not baseline_source:
        return None, None, None
    try:
        baseline = load_records(baseline_source)
        current = build_records(env)
        cross = os.environ.get(CROSS_PROFILE_VARIABLE, "") == "1"
        return compare(baseline, current, cross), baseline, current
    except ChangesError as error:
        return None, f"{BASELINE_VARIABLE}={baseline_source}: {error}", None


class Changes(SphinxDirective):

    def run(self):
        report, baseline, current = _comparison(self.env)
        if report is None and baseline is None:
            text = (f"No baseline was given for this build, so there is nothing to compare "
                    f"with. To see what changed since the published book (or any earlier "
                    f"build), set `{BASELINE_VARIABLE}` to its records folder or address and "
                    f"rebuild (README, *Rebuilding: what changed*).")
        elif report is None:
            text = (f"```{{admonition}} The baseline could not be read\n:class: error\n"
                    f"{baseline}\n```\n\nThis build's own pages and records are complete.")
        else:
            text = report_markdown(report, baseline, current)
        return nested_parse_to_nodes(self.state, text)


def _write(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    write_records(build_records(app.env), Path(app.outdir) / "records")
    report, baseline, _ = _comparison(app.env)
    if report is not None:
        logger.info("\n" + summary_text(report))
    elif baseline is not None:
        logger.info(f"\nWhat changed: not compared. {baseline}")


def setup(app):
    app.add_directive("changes", Changes)
    app.connect("build-finished", _write)
