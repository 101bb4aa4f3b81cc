"""Each script and each ``<meta name="viewport">`` in a page's head once.

Three things double them, and a doubled inline script (``const THEBE_JS_URL = ...``) is a
JavaScript error on every page:

- an extension that calls ``app.add_js_file`` once the builder exists (sphinx-thebe does, on
  'env-before-read-docs') reaches Sphinx 7.4's list of scripts twice, once directly and once
  through the registry, as entries that differ only in ``filename`` (``None`` against ``''``);
- jupyter-book adds every ``_static/*.js`` to ``html_js_files`` (priority 800), so a script
  that an extension also adds (priority 500) is listed twice with different priorities;
- Sphinx's base template, pydata-sphinx-theme's ``extrahead`` block and docutils' ``metatags``
  each write the viewport meta.

Scripts are de-duplicated in each page's context (scripts are equal when they load the same
file or run the same inline body; of equal scripts the one with the lowest priority is kept, that
is, an extension's own entry, with its attributes such as ``defer``, over jupyter-book's); the
viewport meta in the rendered page.
"""

import re

VIEWPORT = re.compile(r'\s*<meta name="viewport"[^>]*>')


def script_key(script):
    """What makes two of Sphinx's script entries the same script: the file, else the body."""
    filename = getattr(script, "filename", script) or ""
    attributes = dict(getattr(script, "attributes", {}))
    return ("file", filename) if filename else ("body", attributes.get("body", ""))


def unique_scripts(scripts):
    chosen = {}
    for script in scripts:
        key = script_key(script)
        priority = getattr(script, "priority", 500)
        if key not in chosen or priority < getattr(chosen[key], "priority", 500):
            chosen[key] = script
    return [script for script in scripts if chosen[script_key(script)] is script]


def one_viewport_meta(html):
    """The page with its first viewport meta only."""
    first = VIEWPORT.search(html)
    if first is None:
        return html
    head, tail = html[:first.end()], html[first.end():]
    return head + VIEWPORT.sub("", tail)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = unique_scripts(context["script_files"])


def _dedupe_viewport(app):
    templates = getattr(app.builder, "templates", None)
    if templates is None or app.builder.format != "html":
        return
    render = templates.render

    def render_page(template, context):
        return one_viewport_meta(render(template, context))

    templates.render = render_page


def setup(app):
    app.connect("builder-inited", _dedupe_viewport)
    # after other extensions have added their page scripts (they use the default priority 500)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
