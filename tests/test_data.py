import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from book import data


def test_mnist_has_keras_layout():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10))


def test_fashion_mnist_has_keras_layout():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8
    assert abs(x_train.mean() / 255 - 0.2860) < 1e-3   # the standard pixel mean


def test_cifar10_subset_decodes_to_keras_layout():
    (x_train, y_train), (x_test, y_test) = data.load_cifar10(n_train=500, n_test=100)
    assert x_train.shape == (500, 32, 32, 3) and x_test.shape == (100, 32, 32, 3)
    assert y_train.shape == (500, 1) and y_train.dtype == np.uint8
    assert x_train.dtype == np.uint8 and 40 < x_train.mean() < 200
    assert len(np.unique(y_train)) == len(data.CIFAR10_CLASSES)   # a prefix covers every class


def test_mobilenet_weights_are_the_registered_file():
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
    assert "Replace it" in message
    assert impostor.read_bytes() == before   # never deleted, never rewritten


def test_a_data_dir_that_does_not_exist_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(data.DataError, match="BOOK_DATA_DIR=.*is not a folder"):
        data.load_fashion_mnist()


def _network_reachable():
    try:
        socket.create_connection(("storage.googleapis.com", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(_network_reachable(), reason="needs a machine without internet access")
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
