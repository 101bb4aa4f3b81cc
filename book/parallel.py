"""``run_configurations(train_one, configurations)``: independent training runs, one GPU each.

A lesson that trains several independent configurations (lesson 7's six networks, lesson 8's
twelve) writes its loop as::

    from book.parallel import run_configurations

    outcomes = run_configurations(train, CONFIGS)      # [train(name) for name in CONFIGS]

On a machine with one GPU or none this is exactly that list comprehension, in the lesson's own
process. With several GPUs it starts one worker process per GPU, each seeing only its card
(``CUDA_VISIBLE_DEVICES``), and hands out the configurations as the workers become free. For each
configuration the lesson gets back, in order, what ``train_one`` returned (it must be picklable: a
number, a dict, ``history.history``, a Keras model), what it printed, and what it glued, including
its results-registry records (``book.results.record``), which are glued again in the lesson's
process so that the Results page and the lesson's JSON file have them as after a serial run.

``train_one`` must seed itself (``keras.utils.set_random_seed``), so that a configuration computes
the same whichever worker runs it. Keras draws the seeds of unseeded layers from Python's
``random`` module, so a worker runs nothing else while it trains (a pool of plain processes, not a
task scheduler whose own threads draw from the same generator). ``train_one`` and the arrays it
needs, best passed as keyword arguments (``run_configurations(train, CONFIGS, x_train=x_train)``),
are sent to each worker once, by value (``cloudpickle``: ``pip install cnn-book[parallel]``), so a
function defined in a notebook works. ``workers=2`` forces two worker processes (the tests do so
on a CPU).
"""

import contextlib
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from . import glue

_task = None                         # a worker's (train_one, shared keyword arguments)


def gpu_count():
    """How many GPUs the Keras backend sees in this process."""
    from .runtime import gpu_names

    return len(gpu_names())


def run_configurations(train_one, configurations, workers=None, **shared):
    """``[train_one(c, **shared) for c in configurations]``, spread over the GPUs if several."""
    configurations = list(configurations)
    gpus = gpu_count()
    workers = min(gpus if workers is None else workers, len(configurations))
    if workers <= 1:
        return [train_one(configuration, **shared) for configuration in configurations]
    try:
        import cloudpickle
    except ImportError:
        raise ImportError("spreading configurations over several GPUs needs `cloudpickle`: "
                          "pip install 'cnn-book[parallel]' (or run on one GPU)") from None

    context = multiprocessing.get_context("spawn")      # fresh interpreters, no inherited state
    devices = context.Queue()
    for device in _worker_devices(workers, gpus):
        devices.put(device)
    started = context.Barrier(workers)
    task = cloudpickle.dumps((train_one, shared))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(devices, started, task)) as pool:
        outcomes = list(pool.map(_run_one, configurations))
    returned = []
    for value, printed, glued in outcomes:
        print(printed, end="")
        for name, glued_value in glued.items():
            glue.glue(name, glued_value, display=False)
        returned.append(value)
    return returned


def _worker_devices(workers, gpus):
    """``CUDA_VISIBLE_DEVICES`` of each worker: one GPU each, none for workers beyond the GPUs."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = visible.split(",") if visible else [str(i) for i in range(gpus)]
    return [ids[i] if i < min(gpus, len(ids)) else "" for i in range(workers)]


def _start_worker(devices, started, task):
    """In a new worker: take a GPU before Keras starts, load the task, wait for the others."""
    global _task
    os.environ["CUDA_VISIBLE_DEVICES"] = devices.get()
    import cloudpickle

    _task = cloudpickle.loads(task)
    started.wait(timeout=600)        # every worker up before the first task: all share the work


def _run_one(configuration):
    """In a worker: run one configuration; return its value, what it printed and what it glued."""
    train_one, shared = _task
    before = dict(glue.VALUES)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        value = train_one(configuration, **shared)
    glued = {name: v for name, v in glue.VALUES.items()
             if name not in before or before[name] is not v}
    return value, printed.getvalue(), glued
