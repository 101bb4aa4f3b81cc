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


# Hidden companion records: what the records of a build (and "what changed") need to know
# about a glued value beyond the value itself.
QUANTITY_PREFIX = "quantity:"


def _glue_quantity(name, **facts):
    import json

    glue(QUANTITY_PREFIX + name, json.dumps(facts), display=False)


def glue_volatile(name, value):
    """Glue a value that differs from run to run by nature (a timing, a rate): the records
    list it apart, never as a change."""
    glue(name, value, display=False)
    _glue_quantity(name, volatile=True)


def glue_estimate(name, estimate, *, above, below, undecided, scale=100, digits=1):
    """Glue a comparison: its value, its interval and its verdict words, and return the words.

    ``estimate`` is a :class:`book.stats.Estimate` (e.g. a difference of two accuracies);
    ``scale=100`` shows it in percentage points. The prose then reads, for example::

        CNN1's accuracy is {glue:text}`cnn_vs_dense_verdict` the dense network's:
        {glue:text}`cnn_vs_dense:+.1f` points (95 % interval
        {glue:text}`cnn_vs_dense_ci`).

    ``above``/``below`` are the words for an interval wholly above/below zero; ``undecided``
    says that this run cannot tell. Glued names: ``name``, ``name_ci``, ``name_verdict``
    (and ``name_p``, the test's p-value as people read it, where there is a test).
    """
    from .numbers import p_value

    shown = estimate.scaled(scale)
    words = estimate.verdict(above, below, undecided)
    glue(name, shown.value, display=False)
    glue(name + "_ci", shown.interval_text(digits), display=False)
    glue(name + "_verdict", words, display=False)
    if estimate.p_value is not None:
        glue(name + "_p", p_value(estimate.p_value), display=False)
    _glue_quantity(name, volatile=False, low=shown.low, high=shown.high,
                   verdict=words, direction=estimate.direction, method=estimate.method,
                   p_value=estimate.p_value, scale=scale)
    return words
