"""The live CNN of a lesson page: the ``{live-cnn}`` directive and the model files it loads.

In a lesson::

    ```{live-cnn} cnn2
    :compare: dense
    Text for readers without JavaScript (and for the notebooks).
    ```

The directive puts a ``<div class="live-cnn" data-model="cnn2" data-compare="dense">`` in the
page, with its text as the fallback; ``compare`` (optional) names a second exported model that the
shift experiment runs beside the first; ``_static/live-cnn/live-cnn.js`` (added to that page only) turns it into the
canvas, the probabilities and the activations. The script and its CSS live beside this module,
in ``static/live-cnn/``, not in the book's ``_static/``, whose every ``.js`` and ``.css`` file
jupyter-book adds to every page. The model is the one the lesson glued with ``book.live_cnn.export``: at the end
of the build it is written from the lesson's glue file to ``_static/live-cnn/<name>.json`` and,
wrapped in a script that also loads from ``file://``, ``<name>.js``.
"""

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives

from ..live_cnn import read_models
from .pages import lesson_stem

STATIC = "live-cnn"


class live_cnn_node(nodes.General, nodes.Element):
    """The widget's container; its children are the fallback text."""


def _visit_html(self, node):
    compare = f' data-compare="{node["compare"]}"' if node.get("compare") else ""
    self.body.append(f'<div class="live-cnn" data-model="{node["model"]}"{compare}>'
                     '<div class="live-cnn-fallback">')


def _depart_html(self, node):
    self.body.append("</div></div>\n")


def _skip(self, node):
    raise nodes.SkipNode


class LiveCnn(Directive):
    required_arguments = 1
    has_content = True
    option_spec = {"compare": directives.unchanged}

    def run(self):
        node = live_cnn_node(model=self.arguments[0].strip(),
                             compare=self.options.get("compare", "").strip())
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def _add_static_path(app, config):
    config.html_static_path.append(str(Path(__file__).parent / "static"))


def _add_assets(app, pagename, templatename, context, doctree):
    if doctree is None or not any(doctree.findall(live_cnn_node)):
        return                        # Sphinx resets the files added here for each page
    app.add_js_file(f"{STATIC}/live-cnn.js", defer="defer")
    app.add_css_file(f"{STATIC}/live-cnn.css")


def _write_models(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    glue_dir = Path(app.env.mystnb_config.output_folder)
    out = Path(app.outdir) / "_static" / STATIC
    for doc in sorted(app.env.found_docs):
        if not lesson_stem(doc):
            continue
        for name, text in read_models(glue_dir / f"{doc}.glue.json").items():
            json.loads(text)                                   # fail loudly on a bad export
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name}.json").write_text(text, encoding="utf-8")
            (out / f"{name}.js").write_text(
                "window.liveCnnModels = window.liveCnnModels || {};\n"
                f"window.liveCnnModels[{json.dumps(name)}] = {text};\n", encoding="utf-8")


def setup(app):
    app.add_node(live_cnn_node, html=(_visit_html, _depart_html),
                 latex=(_skip, None), text=(_skip, None), man=(_skip, None),
                 texinfo=(_skip, None))
    app.add_directive("live-cnn", LiveCnn)
    app.connect("config-inited", _add_static_path)
    app.connect("html-page-context", _add_assets)
    app.connect("build-finished", _write_models)
