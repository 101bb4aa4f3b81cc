"""Each lesson's experiment records as ``results/<lesson>.json`` (schema in ``book.results``)."""

import json
from pathlib import Path

from ..results import lesson_file
from .pages import lesson_records, lesson_stem


def _write_results(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "results"
    for doc, records in lesson_records(app.env).items():
        if records:
            out.mkdir(exist_ok=True)
            stem = lesson_stem(doc)
            content = json.dumps(lesson_file(stem, records), indent=1)
            (out / f"{stem}.json").write_text(content)


def setup(app):
    app.connect("build-finished", _write_results)
