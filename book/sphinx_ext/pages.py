"""Which pages are lessons, and the experiment records each lesson glued."""

from pathlib import Path

from ..results import read_records


def lesson_stem(pagename):
    """``01-dense-to-cnn`` for ``lessons/01-dense-to-cnn``; ``None`` for other pages."""
    return pagename.split("/", 1)[1] if pagename.startswith("lessons/") else None


def lesson_records(env):
    """``{docname: {experiment: record}}`` from the lessons' glue files, in reading order."""
    glue_dir = Path(env.mystnb_config.output_folder)
    return {doc: read_records(glue_dir / f"{doc}.glue.json")
            for doc in sorted(env.found_docs) if lesson_stem(doc)}
