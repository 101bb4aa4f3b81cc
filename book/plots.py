"""Figures: the book's figure style, and learning curves (the picture that tells whether a
network overfits)."""

import matplotlib as mpl
import matplotlib.pyplot as plt

# A figure 8 inches wide is the article column's width at 1280 px (about 700 px); fonts of
# 11 pt or more stay readable when a phone shows the same figure about half as wide.
STYLE = {
    "figure.dpi": 88,               # 8 in x 88 dpi = 704 px: the column's width on a desktop
    "savefig.dpi": "figure",
    "figure.figsize": (7.0, 3.6),
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 14,
    "figure.facecolor": "white",    # drawings keep a white ground in the book's dark mode
    "savefig.facecolor": "white",
}


def use_book_style():
    """Apply the book's figure style: sizes and fonts above, PNGs drawn at twice the pixels
    they are shown at ("retina"), so that they are sharp on phones and high-density screens
    and shown at the size of their inches (the PNG's metadata carries its display size).

    ``book.start_lesson()`` calls this; a figure can still set its own ``figsize``.
    """
    mpl.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:                     # plain Python: no inline figures to format
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def plot_history(history, title=None):
    """Loss and accuracy per epoch, training against validation, side by side.

    ``history`` is what ``model.fit(..., validation_data=...)`` returns (or its ``.history`` dict).
    """
    curves = getattr(history, "history", history)
    epochs = range(1, len(curves["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), constrained_layout=True)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, curves[metric], "o-", label="training")
        ax.plot(epochs, curves[f"val_{metric}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig
