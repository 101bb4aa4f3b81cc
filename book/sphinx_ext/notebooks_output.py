"""The student and instructor notebooks of every lesson, under ``notebooks/`` of the HTML."""

from pathlib import Path

from .pages import lesson_stem


def _write_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    from ..notebooks import write_all

    root, out = Path(app.srcdir), Path(app.outdir)
    lessons = [root / f"{doc}.md" for doc in sorted(app.env.found_docs)
               if lesson_stem(doc)]
    if lessons:
        repository = app.config.html_theme_options["repository_url"]
        write_all(lessons, Path(app.config.nb_execution_cache_path),
                  out.parent / "jupyter_execute" / "lessons", out / "notebooks", root,
                  repository.removesuffix(".git"))


def setup(app):
    app.connect("build-finished", _write_notebooks)
