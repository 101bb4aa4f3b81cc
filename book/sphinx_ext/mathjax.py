"""MathJax served from the book's own files (npm package ``mathjax``): pages render offline."""

import shutil
from pathlib import Path

from sphinx.errors import ConfigError

FILES = ("tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors")


def _source(app):
    return Path(app.srcdir) / "node_modules" / "mathjax" / "es5"


def _use_local_mathjax(app, config):
    if not _source(app).is_dir():
        raise ConfigError("MathJax is not installed: run `npm ci` in the book's folder "
                          "(the book serves MathJax itself, so that it renders offline).")
    config.mathjax_path = "mathjax/tex-mml-chtml.js"


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in FILES:
        source = _source(app) / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


def setup(app):
    app.connect("config-inited", _use_local_mathjax)
    app.connect("build-finished", _copy_mathjax)
