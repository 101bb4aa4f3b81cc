"""``{results-table}``: this build's results beside the course's, expectations checked.

The Results page (``results.md``) reads what the lessons glued with ``book.results.record``;
``pages`` has it read again in every build, after the lessons.
"""

from pathlib import Path

from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

from ..profile import current_profile
from ..results import (ResultsError, check, checks_markdown, course_size_markdown,
                       load_reference, results_markdown)
from .pages import lesson_records

REFERENCE = Path("results") / "reference.yml"
COURSE_SIZE = Path("results") / "full"     # a committed `gpu_check --out results/full` run


class ResultsTable(SphinxDirective):

    def run(self):
        reference_path = Path(self.env.srcdir) / REFERENCE
        self.env.note_dependency(str(reference_path))
        try:
            reference = load_reference(reference_path)
        except (OSError, ResultsError) as error:
            raise self.error(f"results-table: {error}") from None
        records = lesson_records(self.env)
        profile = current_profile().name
        found = {name: entry for lesson in records.values()
                 for name, entry in lesson.items()}
        expectations = (reference["expectations"].get("all", [])
                        + reference["expectations"].get(profile, []))
        checks = check(expectations, found)
        violated = [c for c in checks if not c.holds]
        if violated:
            summary = (f"```{{admonition}} {len(violated)} of {len(checks)} expectations "
                       f"violated\n:class: error\n"
                       f"This build is worse than the expectations below.\n```")
        else:
            summary = (f"All {len(checks)} expectations of the {profile} profile hold "
                       f"in this build.")
        course_size = Path(self.env.srcdir) / COURSE_SIZE
        text = "\n\n".join([summary, results_markdown(records, reference, profile),
                             f"**Expectations checked in the {profile} profile**",
                             checks_markdown(checks),
                             "**At the course's sizes (full profile)**",
                             course_size_markdown(course_size, reference)])
        return nested_parse_to_nodes(self.state, text)


def setup(app):
    app.add_directive("results-table", ResultsTable)
