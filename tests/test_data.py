import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from book import data
from conftest import ROOT, jupyter_book, network_reachable


def test_mnist_has_keras_layout(data_available):
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10))


def test_fashion_mnist_has_keras_layout(data_available):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8
    assert abs(x_train.mean() / 255 - 0.2860) < 1e-3   # the standard pixel mean


def test_cifar10_subset_decodes_to_keras_layout(data_available):
    (x_train, y_train), (x_test, y_test) = data.load_cifar10(n_train=500, n_test=100)
    assert x_train.shape == (500, 32, 32, 3) and x_test.shape == (100, 32, 32, 3)
    assert y_train.shape == (500, 1) and y_train.dtype == np.uint8
    assert x_train.dtype == np.uint8 and 40 < x_train.mean() < 200
    assert len(np.unique(y_train)) == len(data.CIFAR10_CLASSES)   # a prefix covers every class


def test_mobilenet_weights_are_the_registered_file(data_available):
    path = Path(data.mobilenet_weights())
    assert path.name == "mobilenet_2_5_224_tf_no_top.h5"
    assert data.sha256_of(path) == data.SHA256[path.name]


def test_a_file_with_the_wrong_hash_is_refused_and_kept(tmp_path, monkeypatch):
    impostor = tmp_path / "mnist.npz"
    np.savez(impostor, x_train=np.zeros((2, 28, 28), np.uint8))
    before = impostor.read_bytes()
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(data.ChecksumMismatchError) as error:
        data.load_mnist()
    message = str(error.value)
    assert str(impostor) in message
    assert data.sha256_of(impostor) in message and data.SHA256["mnist.npz"] in message
    assert "Replace it" in message and data.KERAS_FILES["mnist.npz"][1] in message   # Keras's own copy
    assert impostor.read_bytes() == before   # never deleted, never rewritten


def test_a_data_dir_that_does_not_exist_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(data.DataError, match="BOOK_DATA_DIR=.*is not a folder"):
        data.load_fashion_mnist()


@pytest.mark.skipif(network_reachable(), reason="needs a machine without internet access")
def test_no_data_and_no_network_is_one_clear_error(tmp_path):
    """Run in a fresh process whose Keras cache is empty, as on a new offline machine."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "BOOK_DATA_DIR": str(empty), "KERAS_HOME": str(tmp_path / "keras"),
           "HOME": str(tmp_path)}
    script = ("from book import data\n"
              "try:\n    data.load_mnist()\n"
              "except data.DatasetUnavailableError as error:\n    print(error)\n")
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert time.monotonic() - start < 90
    assert result.returncode == 0, result.stderr[-3000:]
    message = result.stdout
    assert "Cannot load MNIST" in message and "BOOK_DATA_DIR" in message and "mnist.npz" in message
    assert "Traceback" not in result.stderr
    assert not any(empty.iterdir())


def test_keras_downloaded_files_are_read_in_keras_layout(tmp_path):
    """The decoders of Keras's own files (Fashion-MNIST's IDX files, CIFAR-10's archive)."""
    import gzip
    import io
    import pickle
    import tarfile

    labels = np.array([3, 1], np.uint8)
    with gzip.open(tmp_path / "labels.gz", "wb") as file:
        file.write(b"\0" * 8 + labels.tobytes())
    assert list(data._idx(tmp_path / "labels.gz", 8)) == [3, 1]
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, n in [*((f"data_batch_{i}", 3) for i in range(1, 6)), ("test_batch", 2)]:
            pixels = np.arange(n * 3072, dtype=np.uint32).astype(np.uint8).reshape(n, 3072)
            blob = pickle.dumps({b"data": pixels, b"labels": list(range(n))})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    (x_train, y_train), (x_test, y_test) = data._cifar10_archive(archive, n_train=4)
    assert x_train.shape == (4, 32, 32, 3) and y_train.shape == (4, 1) and x_test.shape == (2, 32, 32, 3)
    assert x_train[0, 0, 0, 1] == 1024 % 256      # channels last: green starts at byte 1024
    assert y_train[:, 0].tolist() == [0, 1, 2, 0] and y_train.dtype == np.uint8


def test_every_file_a_data_folder_may_hold_has_a_registered_hash():
    names = {name for options in data.DATASETS.values() for files in options for name in files}
    assert names == set(data.SHA256) | set(data.KERAS_FILES)
    assert all(data._registered(name) for name in names)


def test_a_folder_lacking_files_names_what_keras_will_download(tmp_path, monkeypatch):
    (tmp_path / "mnist.npz").write_bytes(b"not hashed here")
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    missing = data.missing_datasets()
    assert "MNIST" not in missing and missing["CIFAR-10"] == ["cifar10_jpeg.npz", "cifar-10-python.tar.gz"]
    monkeypatch.delenv("BOOK_DATA_DIR")
    assert data.missing_datasets() == {}


def _tiny_book(folder):
    (folder / "intro.md").write_text("# Intro\n")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (folder / "_config.yml").write_text("title: t\nsphinx: {extra_extensions: [book.sphinx_ext]}\n")
    (folder / "node_modules").symlink_to(ROOT / "node_modules")     # MathJax, copied at the end


def test_the_build_checks_the_data_folder_before_any_lesson(tmp_path):
    _tiny_book(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mnist.npz").write_bytes(b"x")
    for folder, expected, code in [
            ("no-such-folder", "is not a folder", "failed"),
            ("data", "lacks Fashion-MNIST (fashion_mnist.npz or train-images-idx3-ubyte.gz", "built")]:
        result = jupyter_book("build", ".", cwd=tmp_path, env={**os.environ, "BOOK_DATA_DIR": folder})
        output = result.stdout + result.stderr
        assert (result.returncode == 0) == (code == "built"), output[-3000:]
        assert expected in output and "Keras will download" in output or code == "failed", output[-3000:]
        assert "BOOK_DATA_DIR" in output
