"""The book's Sphinx extension (listed in ``_config.yml``), one job per module:

- ``config_checks``    before anything runs: the profile, the data folder, the quiz banks
- ``execution_cache``  the execution cache folder, named after a fingerprint of the environment
- ``mathjax``          MathJax served from the book's own files, so pages render offline
- ``launch_buttons``   Colab/Binder buttons open the student notebook; notebook downloads
- ``results_page``     the ``{results-table}`` directive of the Results page
- ``results_json``     each lesson's records as ``results/<lesson>.json``
- ``notebooks_output`` the student and instructor notebooks under ``notebooks/``
- ``schedule``         the ``{schedule}`` directive: minutes per lesson, stated and measured
- ``numbering``        figures, tables and exercises numbered per lesson (8.1, 8.2, ...)
- ``page_assets``      each script and the viewport meta once in a page
- ``records``          every glued number's record as ``records/<lesson>.json``; the Changes page
- ``pages``            which pages are lessons, their records; summary pages are read last
- ``typography``       "96.6 %" in prose, typed or glued
"""

from importlib import import_module

MODULES = ("config_checks", "execution_cache", "mathjax", "launch_buttons",
           "results_page", "results_json", "records", "notebooks_output", "schedule", "pages")
MODULES += ("live_cnn", "typography")   # the live CNN of lesson 3; "96.6 %" in prose
MODULES += ("numbering", "page_assets")  # per-lesson numbers; each script once (after the others)


def setup(app):
    app.add_config_value("book_notebooks_branch", "notebooks", "html", str)
    for name in MODULES:                     # in this order: the checks come first
        import_module(f"{__name__}.{name}").setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
