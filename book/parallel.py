"""``run_configurations(train_one, configurations)``: independent training runs, one GPU each.

A lesson that trains several independent configurations (lesson 7's six networks, lesson 8's
twelve) writes its loop as::

    from book.parallel import run_configurations

    outcomes = run_configurations(train, CONFIGS)      # [train(name) for name in CONFIGS]

On a machine with one GPU or none this is exactly that list comprehension, in the lesson's own
process. With several GPUs, Dask (``distributed``: ``pip install cnn-book[parallel]``) starts one
worker process per GPU, each seeing only its card (``CUDA_VISIBLE_DEVICES``), and runs the
configurations as Dask tasks, as many at once as there are GPUs. For each configuration the
lesson gets back, in order, what ``train_one`` returned (it must be picklable: a number, a dict,
``history.history``, a Keras model), what it printed, and what it glued, including its
results-registry records (``book.results.record``), which are glued again in the lesson's process
so that the Results page and the lesson's JSON file have them as after a serial run.

``train_one`` must seed itself (``keras.utils.set_random_seed``), so that a configuration computes
the same whichever worker runs it. Large arrays it needs are best passed as keyword arguments,
``run_configurations(train, CONFIGS, x_train=x_train)``: they are sent to each worker once (a
global that ``train_one`` uses is sent with every task). ``workers=2`` forces two worker processes
(the tests do so on a CPU).
"""

import contextlib
import io
import logging
import os

from .glue import glue


def gpu_count():
    """How many GPUs the Keras backend sees in this process."""
    from .runtime import gpu_names

    return len(gpu_names())


def run_configurations(train_one, configurations, workers=None, **shared):
    """``[train_one(c, **shared) for c in configurations]``, spread over the GPUs if several."""
    configurations = list(configurations)
    gpus = gpu_count()
    workers = gpus if workers is None else workers
    if workers <= 1 or len(configurations) <= 1:
        return [train_one(configuration, **shared) for configuration in configurations]
    outcomes = _on_dask(train_one, configurations, shared, _worker_devices(workers, gpus))
    returned = []
    for value, printed, glued in outcomes:
        print(printed, end="")
        for name, glued_value in glued.items():
            glue(name, glued_value, display=False)
        returned.append(value)
    return returned


def _worker_devices(workers, gpus):
    """``CUDA_VISIBLE_DEVICES`` of each worker: one GPU each, none for workers beyond the GPUs."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = visible.split(",") if visible else [str(i) for i in range(gpus)]
    return [ids[i] if i < min(gpus, len(ids)) else "" for i in range(workers)]


def _run_one(train_one, configuration, shared):
    """On a worker: run one configuration; return its value, what it printed and what it glued."""
    from . import glue as glue_module

    before = dict(glue_module.VALUES)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        value = train_one(configuration, **shared)
    glued = {name: v for name, v in glue_module.VALUES.items()
             if name not in before or before[name] is not v}
    return value, printed.getvalue(), glued


def _on_dask(train_one, configurations, shared, devices):
    try:
        from distributed import Client, Nanny, Scheduler, SpecCluster
    except ImportError:
        raise ImportError("spreading configurations over several GPUs needs Dask's `distributed` "
                          "package: pip install 'cnn-book[parallel]' (or run on one GPU)") from None

    workers = {
        f"gpu-{i}" if device else f"cpu-{i}": {"cls": Nanny, "options": {
            "nthreads": 1, "memory_limit": 0, "host": "127.0.0.1",
            "env": {"CUDA_VISIBLE_DEVICES": device}, "silence_logs": logging.WARNING}}
        for i, device in enumerate(devices)}
    scheduler = {"cls": Scheduler, "options": {"host": "127.0.0.1", "port": 0, "dashboard": False,
                                               "dashboard_address": None}}
    with SpecCluster(workers=workers, scheduler=scheduler, silence_logs=logging.WARNING) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(len(devices))
        data = client.scatter(shared, broadcast=True) if shared else {}
        futures = [client.submit(_run_one, train_one, c, data, pure=False) for c in configurations]
        return client.gather(futures)
