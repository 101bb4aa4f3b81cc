"""Learning curves: the picture that tells whether a network overfits."""

import matplotlib.pyplot as plt


def plot_history(history, title=None):
    """Loss and accuracy per epoch, training against validation, side by side.

    ``history`` is what ``model.fit(..., validation_data=...)`` returns (or its ``.history`` dict).
    """
    curves = getattr(history, "history", history)
    epochs = range(1, len(curves["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
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
