"""``glue(name, value)``: hand a number computed in a cell to the text of the page.

The book's text shows such values with ``{glue:text}`name```. This is myst-nb's ``glue``
without myst-nb: it writes the same output (a display with a ``scrapbook`` entry in its
metadata, which myst-nb reads when it builds the page), so a lesson needs neither myst-nb nor
Sphinx to run, on Colab, Binder or a GPU machine with only Keras.

Every glued value is also kept in ``VALUES`` (name -> value), for code that runs the lessons
outside Jupyter (``python -m book.gpu_check``), where nothing is displayed.
"""

# myst-nb's marker for a glued value that is stored but not shown
HIDDEN_PREFIX = "application/papermill.record/"

VALUES = {}


def glue(name, value, display=True):
    """Keep ``value`` under ``name``; in Jupyter, also store it in the cell's output."""
    VALUES[name] = value
    try:
        from IPython import get_ipython
    except ImportError:            # plain Python: nothing to display into
        return
    if get_ipython() is None:
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display as show

    bundle, metadata = format_display_data(value)
    prefix = "" if display else HIDDEN_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    show({prefix + mime: data for mime, data in bundle.items()},
         raw=True, metadata=metadata)
