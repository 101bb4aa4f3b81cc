"""Launch buttons open a lesson's student notebook; the download menu offers both notebooks.

Colab and Binder read the notebooks from the repository's ``book_notebooks_branch``, where the
build's ``notebooks/`` folder is published (see README). The repository is ``_config.yml``'s
``repository.url`` unless ``BOOK_REPOSITORY_URL`` names another: the release workflow sets it to
the repository it runs in, so that a fork publishes Colab, Binder, helper and source links to
itself.
"""

import os
from urllib.parse import urlparse

from .pages import lesson_stem

COLAB = ("https://colab.research.google.com/github/{repo}/blob/{branch}/"
         "student/{stem}.ipynb")
BINDER = ("https://mybinder.org/v2/gh/{repo}/{branch}"
          "?urlpath=lab/tree/student/{stem}.ipynb")


REPOSITORY_VARIABLE = "BOOK_REPOSITORY_URL"


def use_repository_from_environment(app, config):
    """``BOOK_REPOSITORY_URL``, where set, replaces ``repository.url`` for every link."""
    url = os.environ.get(REPOSITORY_VARIABLE, "").strip()
    if url:
        config.html_theme_options["repository_url"] = url.removesuffix(".git")


def launch_links(repository_url, branch, stem):
    """Colab and Binder addresses of a lesson's student notebook."""
    repo = urlparse(repository_url).path.strip("/").removesuffix(".git")
    return {"Colab": COLAB.format(repo=repo, branch=branch, stem=stem),
            "Binder": BINDER.format(repo=repo, branch=branch, stem=stem)}


def _header_buttons(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons", [])
    stem = lesson_stem(pagename)
    for group in [b for b in buttons if b.get("label") == "launch-buttons"]:
        if stem is None:                       # only lessons are notebooks
            buttons.remove(group)
            continue
        links = launch_links(app.config.html_theme_options["repository_url"],
                             app.config.book_notebooks_branch, stem)
        for button in group["buttons"]:
            for name, url in links.items():
                if button.get("text", "").startswith(name):
                    button["url"] = url
    for group in [b for b in buttons if b.get("label") == "download-buttons"]:
        if stem is None:
            continue
        group["buttons"] = [b for b in group["buttons"]
                            if b.get("label") != "download-notebook-button"]
        for kind in ("student", "instructor"):
            group["buttons"].insert(0, {
                "type": "link", "text": f".ipynb ({kind})", "icon": "fas fa-code",
                "url": context["pathto"](f"notebooks/{kind}/{stem}.ipynb", 1),
                "tooltip": f"Download the {kind} notebook",
                "label": f"download-{kind}-notebook"})


def setup(app):
    app.connect("config-inited", use_repository_from_environment)
    app.connect("html-page-context", _header_buttons, priority=600)
