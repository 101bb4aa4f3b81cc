"""``book.parallel.run_configurations``: the same records from one process or from two workers."""

import json
import os
import random
import time

import numpy as np
import pytest

from book import glue
from book.parallel import run_configurations


def test_two_workers_share_the_configurations_and_their_records_come_back():
    x = np.random.default_rng(0).normal(size=(256, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")

    def train(units, x, y):              # a closure, sent by value as a lesson's function
        import keras

        from book.results import record

        keras.utils.set_random_seed(2024)
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)  # no data-order RNG
        loss, accuracy = model.evaluate(x, y, verbose=0)
        record(f"parallel-{units}", train_loss=loss, train_accuracy=accuracy)
        print(f"{units} units trained")
        return os.getpid()

    configurations = [4, 8, 16, 32]
    glue.VALUES.clear()
    serial = run_configurations(train, configurations, workers=1, x=x, y=y)
    serial_records = {k: json.loads(v) for k, v in glue.VALUES.items()}
    assert set(serial) == {os.getpid()}

    glue.VALUES.clear()
    pids = run_configurations(train, configurations, workers=2, x=x, y=y)
    assert len(set(pids)) == 2 and os.getpid() not in pids         # two other processes did it
    parallel_records = {k: json.loads(v) for k, v in glue.VALUES.items()}
    assert set(parallel_records) == {f"result:parallel-{u}" for u in configurations}
    for name, entry in serial_records.items():
        for metric, value in entry["metrics"].items():
            assert np.isclose(parallel_records[name]["metrics"][metric], value, rtol=1e-5), name


def test_nothing_else_in_a_worker_draws_from_pythons_random_while_it_trains():
    # Keras seeds unseeded layers from Python's `random`: a draw by another thread of the worker
    # between `set_random_seed` and building the model changes the weights (a Dask worker did).
    def untouched(seconds):
        random.seed(seconds)
        state = random.getstate()
        time.sleep(seconds)
        return random.getstate() == state

    assert run_configurations(untouched, [1, 2, 1, 2], workers=2) == [True] * 4


def test_an_error_in_a_worker_reaches_the_lesson_as_itself():
    def fails(units):
        raise ValueError(f"no model with {units} units")

    with pytest.raises(ValueError, match="no model with 4 units"):
        run_configurations(fails, [4, 8], workers=2)
