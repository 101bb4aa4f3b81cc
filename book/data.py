"""Datasets and pretrained weights, offline first.

Every loader looks in the folder named by the environment variable ``BOOK_DATA_DIR`` first and
otherwise lets Keras download the data. The folder may hold this repository's offline copies
(``SHA256``) or the files Keras itself downloads, under their original names (``KERAS_FILES``,
with the hashes Keras and the datasets' authors publish), so a folder can be filled from any
connected machine (see the README). A local file is used only if its hash matches the registered
one; a file that does not match is reported and left untouched. The arrays come back in the
layout of ``keras.datasets``.
"""

import gzip
import hashlib
import io
import os
import pickle
import socket
import tarfile
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
# The files Keras downloads, under the names of their origin, with their published hashes:
# Keras's own (keras/src/datasets/{mnist,cifar10}.py ``file_hash``) and Zalando's MD5s for
# Fashion-MNIST (Keras checks none). Keras's MobileNet weights are the file of ``SHA256``.
KERAS_FILES = {
    "mnist.npz": ("sha256", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "train-images-idx3-ubyte.gz": ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train-labels-idx1-ubyte.gz": ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
    "t10k-images-idx3-ubyte.gz": ("md5", "bef4ecab320f06d8554ea6380940ec79"),
    "t10k-labels-idx1-ubyte.gz": ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
    "cifar-10-python.tar.gz": ("sha256", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
}
FASHION_GZ = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
# What each dataset may be in BOOK_DATA_DIR: alternatives (sets of files), in order of preference.
DATASETS = {
    "MNIST": (("mnist.npz",),),
    "Fashion-MNIST": (("fashion_mnist.npz",), FASHION_GZ),
    "CIFAR-10": (("cifar10_jpeg.npz",), ("cifar-10-python.tar.gz",)),
    "MobileNet weights": (("mobilenet_2_5_224_tf_no_top.h5",),),
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
    if _local_file("fashion_mnist.npz") is None and _local_files(FASHION_GZ):
        def split(name):                         # Keras's four downloaded files
            labels = _idx(_local_file(f"{name}-labels-idx1-ubyte.gz"), 8)
            images = _idx(_local_file(f"{name}-images-idx3-ubyte.gz"), 16)
            return images.reshape(len(labels), 28, 28), labels
        return split("train"), split("t10k")
    return _load_arrays("fashion_mnist.npz", "Fashion-MNIST",
                        lambda keras: keras.datasets.fashion_mnist.load_data())


def load_cifar10(n_train=None, n_test=None):
    """CIFAR-10: ``(x_train, y_train), (x_test, y_test)``, 32x32x3 uint8 images, labels (n, 1).

    ``n_train`` and ``n_test`` keep only the first images of each split (decoding all 60,000 JPEG
    files of the offline copy takes about ten seconds); the offline copy is shuffled, so a prefix
    is roughly class-balanced. Class names are in ``CIFAR10_CLASSES``.
    """
    path = _local_file("cifar10_jpeg.npz")
    if path is None and _local_file("cifar-10-python.tar.gz") is not None:
        return _cifar10_archive(_local_file("cifar-10-python.tar.gz"), n_train, n_test)
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


def missing_datasets():
    """``{dataset: files it may be}`` for each dataset ``BOOK_DATA_DIR`` lacks (Keras downloads
    those); empty when it is unset. Files are not hashed here: the loaders do that."""
    folder = data_dir()
    if folder is None:
        return {}
    return {name: [" + ".join(files) for files in options] for name, options in DATASETS.items()
            if not any(all((folder / f).is_file() for f in files) for files in options)}


def _local_files(filenames):
    """Whether ``BOOK_DATA_DIR`` holds all of ``filenames``."""
    folder = data_dir()
    return folder is not None and all((folder / name).is_file() for name in filenames)


def _registered(filename):
    """The (algorithm, digest) pairs a file of this name may have."""
    known = [("sha256", SHA256[filename])] if filename in SHA256 else []
    if filename in KERAS_FILES and KERAS_FILES[filename] not in known:
        known.append(KERAS_FILES[filename])
    return known


def _local_file(filename):
    """The verified file from ``BOOK_DATA_DIR``, or None when the folder does not have it."""
    folder = data_dir()
    if folder is None or not (folder / filename).is_file():
        return None
    path = folder / filename
    registered = _registered(filename)
    actual = {algorithm: digest_of(path, algorithm) for algorithm, _ in registered}
    if not any(actual[algorithm] == digest for algorithm, digest in registered):
        expected = " or ".join(f"{algorithm.upper()} {digest}" for algorithm, digest in registered)
        found = ", ".join(f"{algorithm.upper()} {digest}" for algorithm, digest in actual.items())
        raise ChecksumMismatchError(
            f"{path} is not the registered {filename}: its {found}, expected {expected}. "
            f"The file was left as it is and not used. Replace it with a verified copy (see the "
            f"README, BOOK_DATA_DIR), or remove it from {DATA_DIR_VAR} to let Keras download the "
            f"data.")
    return path


_verified = {}  # (path, size, mtime, algorithm) -> digest: hash each file once per process


def digest_of(path: Path, algorithm="sha256") -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, algorithm)
    if key not in _verified:
        digest = hashlib.new(algorithm)
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        _verified[key] = digest.hexdigest()
    return _verified[key]


def sha256_of(path: Path) -> str:
    return digest_of(path, "sha256")


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
            f"that holds {filename} or the files Keras downloads (README, BOOK_DATA_DIR), or "
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


def _idx(path, offset):
    """The bytes of a gzipped IDX file (Fashion-MNIST as Keras downloads it) after its header."""
    with gzip.open(path, "rb") as file:
        return np.frombuffer(file.read(), np.uint8, offset=offset)


def _cifar10_archive(path, n_train=None, n_test=None):
    """CIFAR-10 from ``cifar-10-python.tar.gz`` (the file Keras downloads; its hash is checked)."""
    def batches(names, n):
        images, labels = [], []
        for name in names:
            if n is not None and sum(len(y) for y in labels) >= n:
                break
            batch = pickle.load(archive.extractfile(f"cifar-10-batches-py/{name}"), encoding="bytes")
            images.append(batch[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            labels.append(np.asarray(batch[b"labels"], dtype="uint8"))
        return np.concatenate(images)[:n], np.concatenate(labels)[:n, None]

    with tarfile.open(path, "r:gz") as archive:
        return (batches([f"data_batch_{i}" for i in range(1, 6)], n_train),
                batches(["test_batch"], n_test))
