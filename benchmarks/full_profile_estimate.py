"""Estimate each lesson's full-profile time on one H100-class GPU, from this machine's CPU.

    KERAS_BACKEND=jax BOOK_DATA_DIR=../shared/datasets .venv/bin/python \
        benchmarks/full_profile_estimate.py [--lessons 04 07] [--steps 6]

Each lesson runs in its own process with the full profile's sizes, its code cells read by
``book.cells``, but every ``fit``, ``evaluate`` and ``predict`` trains or predicts only a few
batches: the script counts the batches the full profile asks for, times a few on the CPU, and
has XLA count the floating-point operations of one batch (JAX backend). A cell that fails
because training was cut short (an assert on the accuracy) is reported and the next one runs.

The GPU time of a batch is the larger of a fixed cost per step (launching the step, FLOOR_*) and
its operations at an effective rate (RATE, a fraction of an H100's TF32 peak that small
convolutions reach), plus COMPILE seconds per call. Lessons 7 and 8 compile with
``steps_per_execution=32``, which takes Keras's bookkeeping out of most steps; the estimate keeps
the whole floor on every step, so it errs on the slow side there. Everything else in the lesson
(data preparation, NumPy, plotting) is counted as the CPU time it took here (CPU time, not wall
time: the figure does not depend on what else runs on this machine). These are estimates on paper:
``python -m book.gpu_check`` measures.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATE = 40e12          # FLOP/s an H100 reaches on these small float32 (TF32) networks
FLOOR_TRAIN = 1.5e-3  # s per training step: the step's launch and bookkeeping in Keras's loop
FLOOR_EVAL = 1.0e-3   # s per evaluation or prediction batch
TRAIN_FACTOR = 3      # a training step: forward pass, backward pass (about twice), update
COMPILE = {"train": 3.0, "eval": 1.0, "predict": 1.0}   # s to compile a step, per call


def forward_flops(model, batch):
    """XLA's count of the floating-point operations of ``model`` on one batch (JAX only)."""
    try:
        import jax

        cost = jax.jit(lambda x: model(x, training=False)).lower(batch).compile().cost_analysis()
        cost = cost[0] if isinstance(cost, list) else cost
        return float(cost.get("flops", 0)) or None
    except Exception:           # another backend, or a model XLA cannot trace like this
        return None


def _n(x):
    import keras

    first = keras.tree.flatten(x)[0]
    return first.shape[0] if hasattr(first, "shape") else None


def _patch(calls, steps):
    """Replace fit, evaluate and predict with versions that run ``steps`` batches and count."""
    import keras
    import numpy as np

    fit, evaluate, predict = keras.Model.fit, keras.Model.evaluate, keras.Model.predict

    def timed(function, model, x, batch, kind, requested, **kwargs):
        import keras as k

        take = min(requested, steps)
        part = k.tree.map_structure(lambda a: a[:take * batch], x)
        start = time.perf_counter()
        out = function(model, part, **kwargs)
        seconds = time.perf_counter() - start
        sample = k.tree.map_structure(lambda a: np.asarray(a[:batch]), x)
        calls.append({"kind": kind, "model": model.name, "batch": batch, "steps": requested,
                      "cpu_s_per_step": seconds / take,
                      "flops": forward_flops(model, sample)})
        return out

    def fake_fit(self, x=None, y=None, batch_size=None, epochs=1, validation_data=None,
                 validation_batch_size=None, **kwargs):
        batch = batch_size or 32
        n = _n(x)
        requested = math.ceil(n / batch) * epochs
        import keras as k

        take = min(requested, steps)
        short_validation = None           # a few batches, so that history has its val_ keys
        if validation_data is not None:
            vbatch = validation_batch_size or batch
            short_validation = tuple(part[:take * vbatch] for part in validation_data)
        history = fit(self, x[:take * batch], None if y is None else y[:take * batch],
                      batch_size=batch, epochs=1, verbose=0, validation_data=short_validation,
                      callbacks=kwargs.get("callbacks"))
        start = time.perf_counter()
        fit(self, x[:take * batch], None if y is None else y[:take * batch],
            batch_size=batch, epochs=1, verbose=0)            # second pass: compiled
        seconds = time.perf_counter() - start
        sample = k.tree.map_structure(lambda a: np.asarray(a[:batch]), x)
        calls.append({"kind": "train", "model": self.name, "batch": batch, "steps": requested,
                      "cpu_s_per_step": seconds / take, "flops": forward_flops(self, sample)})
        if validation_data is not None:
            vx = validation_data[0]
            vbatch = validation_batch_size or batch
            calls.append({"kind": "eval", "model": self.name, "batch": vbatch,
                          "steps": math.ceil(_n(vx) / vbatch) * epochs, "cpu_s_per_step": None,
                          "flops": forward_flops(self, np.asarray(vx[:vbatch]))})
        return history

    def fake_evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        batch = batch_size or 32
        take = min(math.ceil(_n(x) / batch), steps) * batch
        kwargs.pop("steps", None)
        return timed(lambda m, p, **kw: evaluate(m, p, y[:take], batch_size=batch, **kw),
                     self, x, batch, "eval", math.ceil(_n(x) / batch), **kwargs)

    def fake_predict(self, x, batch_size=None, **kwargs):
        batch = batch_size or 32
        n = _n(x)
        out = timed(lambda m, p, **kw: predict(m, p, batch_size=batch, **kw),
                    self, x, batch, "predict", math.ceil(n / batch), **kwargs)
        return np.concatenate([out, np.zeros((n - len(out),) + out.shape[1:], out.dtype)])

    def counted(function):
        """``function``, with the CPU time spent in it added to ``calls``' total."""
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                _INSIDE[0] += time.process_time() - start
        return wrapper

    keras.Model.fit, keras.Model.evaluate, keras.Model.predict = (
        counted(fake_fit), counted(fake_evaluate), counted(fake_predict))


_INSIDE = [0.0]   # CPU seconds spent in the cut-short fit, evaluate and predict calls


def child(path, steps, out):
    """Run one lesson, cut short, in this process; write its calls to ``out``."""
    os.environ["MPLBACKEND"] = "Agg"
    import matplotlib.pyplot as plt

    from book.cells import code_cells

    calls, errors = [], []
    _patch(calls, steps)
    namespace = {"__name__": "__main__", "display": lambda *a, **k: None}
    os.chdir(path.parent)
    start = time.process_time()
    for cell in code_cells(path):
        if "raises-exception" in cell.tags or "show_quiz(" in cell.source:
            continue
        try:
            exec(compile("\n" * (cell.line - 1) + cell.source, str(path), "exec"), namespace)
        except Exception as error:
            errors.append(f"line {cell.line}: {type(error).__name__}: {str(error)[:120]}")
        plt.close("all")
    other = time.process_time() - start - _INSIDE[0]      # CPU seconds outside Keras's loops
    Path(out).write_text(json.dumps({"other_cpu_s": other, "calls": calls, "errors": errors}))


def gpu_seconds(call):
    floor = FLOOR_TRAIN if call["kind"] == "train" else FLOOR_EVAL
    factor = TRAIN_FACTOR if call["kind"] == "train" else 1
    flops = (call["flops"] or 0) * factor
    return COMPILE[call["kind"]] + call["steps"] * max(floor, flops / RATE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", nargs="+", default=None, metavar="NN")
    parser.add_argument("--steps", type=int, default=6, help="batches timed per call")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path("/tmp/full-profile-estimate"))
    args = parser.parse_args()
    if args.child:
        return child(args.child.resolve(), args.steps, args.out)
    from book.gpu_check import lesson_paths

    lessons = args.lessons or [p.stem[:2] for p in sorted((ROOT / "lessons").glob("[0-9][0-9]-*.md"))]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"H100 assumptions: {RATE / 1e12:.0f} TFLOP/s effective, at least "
          f"{FLOOR_TRAIN * 1e3:.1f} ms a training step and {FLOOR_EVAL * 1e3:.1f} ms an "
          f"evaluation batch; the rest of a lesson at this CPU's speed.\n")
    print("| lesson | train steps | eval/predict batches | CPU ms/train step (median) | "
          "GFLOP/train step (median) | other CPU s | H100 estimate (min) | cells failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    grand = 0.0
    for path in lesson_paths(lessons, ROOT / "lessons"):
        out = args.out / f"{path.stem}.json"
        env = {**os.environ, "BOOK_PROFILE": "full"}
        subprocess.run([sys.executable, __file__, "--child", str(path), "--steps", str(args.steps),
                        "--out", str(out)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=3600)
        if not out.is_file():
            print(f"| {path.stem} | – | – | – | – | – | (did not run) | – |")
            continue
        data = json.loads(out.read_text())
        calls = data["calls"]
        train = [c for c in calls if c["kind"] == "train"]
        other = max(0.0, data["other_cpu_s"])   # thread time can make it dip below 0
        estimate = sum(gpu_seconds(c) for c in calls) + other
        grand += estimate
        median = lambda values: sorted(values)[len(values) // 2] if values else float("nan")  # noqa: E731
        print(f"| {path.stem} | {sum(c['steps'] for c in train):,} | "
              f"{sum(c['steps'] for c in calls if c['kind'] != 'train'):,} | "
              f"{median([c['cpu_s_per_step'] * 1e3 for c in train]):.1f} | "
              f"{median([(c['flops'] or 0) * TRAIN_FACTOR / 1e9 for c in train]):.2f} | "
              f"{other:.0f} | {estimate / 60:.1f} | {len(data['errors'])} |")
    print(f"\nWhole full profile: about {grand / 60:.0f} minutes on one H100-class GPU.")


if __name__ == "__main__":
    main()
