"""``start_lesson()``: the first call of every lesson.

It fixes the random seeds (a rebuild reproduces the numbers), lets TensorFlow grow its GPU memory
instead of taking it all, and shows a banner with the profile, the device and the versions, so a
reader knows where the numbers on the page come from.
"""

import contextlib
import html
import os
import sys
import tempfile
from dataclasses import dataclass

from .profile import Profile, current_profile

SEED = 2024


@dataclass(frozen=True)
class RunInfo:
    profile: Profile
    device: str
    tensorflow: str
    keras: str

    def __str__(self):
        return (f"Profile: {self.profile.name} ({self.profile.description}) | "
                f"Device: {self.device} | TensorFlow {self.tensorflow} | Keras {self.keras}")

    def _repr_html_(self):
        items = [("Profile", f"{self.profile.name}: {self.profile.description}"),
                 ("Device", self.device), ("TensorFlow", self.tensorflow), ("Keras", self.keras)]
        cells = " ".join(f'<span><b>{name}</b> {html.escape(value)}</span>' for name, value in items)
        return f'<div class="book-banner" role="note" aria-label="How this page was run">{cells}</div>'


def device() -> str:
    """The device TensorFlow computes on, as the banner shows it: ``CPU`` or ``GPU: <name>``."""
    import tensorflow as tf

    return _device(tf)


def _device(tf) -> str:
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    names = [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
    return "GPU: " + ", ".join(names)


@contextlib.contextmanager
def _native_stderr_held_back():
    """Keep TensorFlow's C++ start-up messages (CUDA probing, CPU notes) off the page.

    They are written to file descriptor 2 directly, past Python's logging and TF_CPP_MIN_LOG_LEVEL.
    If start-up fails, they are printed after all, since they then explain the failure.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            held.seek(0)
            os.write(saved, held.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def start_lesson(seed: int = SEED) -> Profile:
    """Seed everything, set up the GPU if there is one, show the banner; return the profile."""
    from IPython.display import display

    profile = current_profile()
    with _native_stderr_held_back():
        import keras
        import tensorflow as tf

        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)  # share the card; must precede any GPU use
        device = _device(tf)
    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow generators at once
    display(RunInfo(profile, device, tf.__version__, keras.__version__))
    return profile
