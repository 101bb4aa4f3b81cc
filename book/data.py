"""Datasets and pretrained weights, offline first.

Every loader looks in the folder named by the environment variable ``BOOK_DATA_DIR`` first (the
files are described in that folder's README) and otherwise lets Keras download the data. A local
file is used only if its SHA-256 matches the one registered below; a file that does not match is
reported and left untouched. The arrays come back in the layout of ``keras.datasets``.
"""

import hashlib
import io
import os
import socket
from pathlib import Path

import numpy as np

DATA_DIR_VAR = "BOOK_DATA_DIR"
DOWNLOAD_TIMEOUT_S = 30  # per network operation: no network means a quick, clear error

SHA256 = {
    "mnist.npz": "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64",
    "fashion_mnist.npz": "5b6d2c4c694a91887af8ab7d039c04f80af3c29378d731c93a538d2e831aa469",
    "cifar10_jpeg.npz": "ae35b9aa03811bff5ba47a778b891ec18bb073344fef2195b9b676c28fcf096d",
    "mobilenet_2_5_224_tf_no_top.h5": "dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf",
}
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
MOBILENET_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
                 "mobilenet_2_5_224_tf_no_top.h5")


class DataError(RuntimeError):
    """A dataset or weight file could not be used."""


class ChecksumMismatchError(DataError):
    """A local file is not the registered one."""


class DatasetUnavailableError(DataError):
    """Neither ``BOOK_DATA_DIR`` nor a download could provide the data."""


def load_mnist():
    """MNIST digits: ``(x_train, y_train), (x_test, y_test)``, 28x28 uint8 images."""
    return _load_arrays("mnist.npz", "MNIST", lambda keras: keras.datasets.mnist.load_data())


def load_fashion_mnist():
    """Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)``, 28x28 uint8 images."""
    return _load_arrays("fashion_mnist.npz", "Fashion-MNIST",
                        lambda keras: keras.datasets.fashion_mnist.load_data())


def load_cifar10(n_train=None, n_test=None):
    """CIFAR-10: ``(x_train, y_train), (x_test, y_test)``, 32x32x3 uint8 images, labels (n, 1).

    ``n_train`` and ``n_test`` keep only the first images of each split (decoding all 60,000 JPEG
    files of the offline copy takes about ten seconds); the offline copy is shuffled, so a prefix
    is roughly class-balanced. Class names are in ``CIFAR10_CLASSES``.
    """
    path = _local_file("cifar10_jpeg.npz")
    if path is None:
        (x_train, y_train), (x_test, y_test) = _download(
            "CIFAR-10", "cifar10_jpeg.npz", lambda keras: keras.datasets.cifar10.load_data())
        return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])
    with np.load(path) as arrays:
        return tuple(
            (_decode_jpegs(arrays[f"x_{split}_jpeg"], arrays[f"x_{split}_offsets"], n),
             arrays[f"y_{split}"][:n].astype("uint8"))
            for split, n in (("train", n_train), ("test", n_test))
        )


def mobilenet_weights() -> str:
    """Path of Keras's ImageNet weights for ``MobileNet(alpha=0.25, include_top=False)``."""
    name = "mobilenet_2_5_224_tf_no_top.h5"
    path = _local_file(name)
    if path is not None:
        return str(path)
    return _download("MobileNet (alpha 0.25) ImageNet weights", name, lambda keras: keras.utils.get_file(
        name, MOBILENET_URL, cache_subdir="models", file_hash=SHA256[name]))


def _load_arrays(filename, dataset, keras_loader):
    path = _local_file(filename)
    if path is None:
        return _download(dataset, filename, keras_loader)
    with np.load(path) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def data_dir():
    """The folder named by ``BOOK_DATA_DIR``, or None when it is unset."""
    value = os.environ.get(DATA_DIR_VAR, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser().resolve()
    if not folder.is_dir():
        raise DataError(f"{DATA_DIR_VAR}={value!r} is not a folder (resolved to {folder}). "
                        f"Point it at the folder that holds the dataset files, or unset it to download.")
    return folder


def _local_file(filename):
    """The verified file from ``BOOK_DATA_DIR``, or None when the folder does not have it."""
    folder = data_dir()
    if folder is None or not (folder / filename).is_file():
        return None
    path = folder / filename
    actual = sha256_of(path)
    if actual != SHA256[filename]:
        raise ChecksumMismatchError(
            f"{path} is not the registered {filename}: its SHA-256 is {actual}, "
            f"expected {SHA256[filename]}. The file was left as it is and not used. Replace it with "
            f"a verified copy (see the README beside it), or remove it from {DATA_DIR_VAR} to let "
            f"Keras download the data.")
    return path


_verified = {}  # (path, size, mtime) -> digest: hash each file once per process


def sha256_of(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        digest = hashlib.sha256()
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        _verified[key] = digest.hexdigest()
    return _verified[key]


def _download(dataset, filename, fetch):
    """Run Keras's downloader with a bounded network timeout; any failure becomes one clear error."""
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return fetch(keras)
    except Exception as error:  # Keras wraps network failures in several exception types
        folder = os.environ.get(DATA_DIR_VAR) or "unset"
        raise DatasetUnavailableError(
            f"Cannot load {dataset}: {DATA_DIR_VAR} ({folder}) has no {filename}, and Keras could "
            f"not download it ({type(error).__name__}: {error}). Set {DATA_DIR_VAR} to a folder "
            f"that holds {filename} (in this project: {DATA_DIR_VAR}=../shared/datasets), or "
            f"connect to the internet.") from None
    finally:
        socket.setdefaulttimeout(previous)


def _decode_jpegs(blob, offsets, n=None):
    from PIL import Image

    count = len(offsets) - 1 if n is None else min(n, len(offsets) - 1)
    images = np.empty((count, 32, 32, 3), dtype="uint8")
    for i in range(count):
        jpeg = blob[offsets[i]:offsets[i + 1]].tobytes()
        images[i] = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
    return images
