"""Figures, tables and exercises numbered per lesson: "Fig. 8.2" is lesson 8's second figure.

Sphinx numbers captioned figures (and sphinx-exercise its exercises) with one counter across the
whole book unless the table of contents numbers its chapters, which would also number every
heading. After Sphinx has assigned its numbers, this module renumbers each page on its own: a
lesson's items become ``(lesson, 1), (lesson, 2), ...`` (the lesson's number is the one its file
name starts with), every other page's items ``(1,), (2,), ...``. Captions, ``{numref}`` links and
the solutions' titles all read these numbers.
"""

import re

from .pages import lesson_stem


def page_number(docname):
    """8 for ``lessons/08-cifar10-overfitting``; ``None`` for pages that are not lessons."""
    stem = lesson_stem(docname)
    match = re.match(r"(\d+)-", stem or "")
    return int(match.group(1)) if match else None


def renumber(fignumbers):
    """``{docname: {figtype: {id: number}}}`` with every page's items counted on that page."""
    renumbered = {}
    for docname, by_type in fignumbers.items():
        prefix = page_number(docname)
        prefix = () if prefix is None else (prefix,)
        renumbered[docname] = {
            figtype: {ident: (*prefix, position) for position, (ident, _) in
                      enumerate(sorted(numbers.items(), key=lambda item: item[1]), start=1)}
            for figtype, numbers in by_type.items()}
    return renumbered


def _per_page_numbers(app, env):
    # Sphinx fills env.toc_fignumbers on 'env-get-updated'; this handler is connected after
    # Sphinx's own (priority 900 > 500), so it sees the finished numbering and keeps its order.
    env.toc_fignumbers = renumber(env.toc_fignumbers)
    return []


def setup(app):
    app.connect("env-get-updated", _per_page_numbers, priority=900)
