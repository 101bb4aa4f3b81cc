"""``python -m book.gpu_check``: the full profile of the small-data lessons, on one GPU, in minutes.

It runs the lessons' own code cells (``book.cells``) in plain Python, without Jupyter, Sphinx or an
IPython kernel, on whichever Keras backend is installed (``KERAS_BACKEND``: TensorFlow or JAX),
with the data from ``BOOK_DATA_DIR``. Each lesson runs in a process of its own, as a notebook runs
in a kernel of its own. The student exercise cells (tagged ``raises-exception``) are skipped and
their ``solution`` cells run; the quiz cells are skipped (they need a browser); ``display`` prints
and figures are drawn off-screen (Matplotlib's Agg) and closed.

It writes into ``--out`` (default ``_build/gpu-check``):

- ``results/<lesson>.json``: the lesson's results-registry records, as the book build writes them;
- ``records/<lesson>.json``: every number the lesson glued, as the build publishes them
  (``book.records``), so that ``python -m book.changes`` compares a GPU run with a build;
- ``<lesson>.log``: everything the lesson printed;
- ``timing.md`` and ``timing.json``: per lesson the seconds, the training samples per second
  (over all ``fit`` calls) and the device;

and checks the expectations of ``results/reference.yml`` (``all`` and the profile's own) that
concern only the lessons it ran. The exit status is 0 when every lesson ran and every checked
expectation holds. ``--profile quick --lessons 04`` runs lesson 4 at quick sizes (the tests do);
``--seed 7`` reruns with another seed.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

from . import results
from .cells import code_cells
from .claims import BUILD_VARIABLE
from .records import current_commit, lesson_record, write_records
from .profile import ENV_VAR, PROFILES
from .runtime import SEED_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
# The MNIST and Fashion-MNIST lessons whose full profile takes about 5 minutes together on one
# H100-class GPU (estimates: benchmarks/full_profile_estimate.py; README, "On a GPU").
SHORT_CHECK = ("01", "02", "03", "04", "05", "06", "10")


class GpuCheckError(RuntimeError):
    """A lesson to check cannot be found."""


def lesson_paths(selected, lessons_dir):
    """The lesson files named by number (``04``) or name (``04-subclassed-model``)."""
    available = sorted(Path(lessons_dir).glob("[0-9][0-9]-*.md"))
    if not available:
        raise GpuCheckError(f"no lessons in {lessons_dir}: run from the book's repository, "
                            f"or point --lessons-dir at its lessons/ folder")
    paths = []
    for name in selected:
        matches = [p for p in available if p.stem == name or p.stem.split("-")[0] == name.zfill(2)]
        if not matches:
            raise GpuCheckError(f"no lesson {name!r} in {lessons_dir}; there are: "
                                f"{', '.join(p.stem for p in available)}")
        paths += matches
    return paths


@contextlib.contextmanager
def _timed_fits(fits):
    """Time every ``keras.Model.fit`` and count the samples it trained on, into ``fits``."""
    import keras

    original = keras.Model.fit

    def fit(self, x=None, y=None, *args, **kwargs):
        start = time.perf_counter()
        history = original(self, x, y, *args, **kwargs)
        first = keras.tree.flatten(x)[0] if x is not None else None
        per_epoch = first.shape[0] if hasattr(first, "shape") else None   # arrays only
        if kwargs.get("steps_per_epoch"):
            per_epoch = None
        epochs = len(history.epoch)
        fits.append({"model": self.name, "seconds": time.perf_counter() - start,
                     "samples": per_epoch * epochs if per_epoch else None, "epochs": epochs})
        return history

    keras.Model.fit = fit
    try:
        yield
    finally:
        keras.Model.fit = original


def run_lesson(path):
    """Run the lesson at ``path`` in this process; return its records, timings and device."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    warnings.filterwarnings("ignore", message=".*non-interactive.*")   # plt.show() under Agg
    import matplotlib.pyplot as plt

    from . import glue
    from .runtime import backend_version, device

    path = Path(path).resolve()
    glue.VALUES.clear()
    namespace = {"__name__": "__main__", "display": print}
    fits, cells, start = [], 0, time.perf_counter()
    previous = Path.cwd()
    os.chdir(path.parent)                     # as the build's kernel: data and figures beside it
    try:
        with _timed_fits(fits):
            for cell in code_cells(path):
                if "raises-exception" in cell.tags or "show_quiz(" in cell.source:
                    continue
                padded = "\n" * (cell.line - 1) + cell.source   # tracebacks give the .md line
                exec(compile(padded, str(path), "exec"), namespace)
                plt.close("all")
                cells += 1
    finally:
        os.chdir(previous)
    seconds = time.perf_counter() - start
    trained = [f for f in fits if f["samples"]]
    fit_seconds = sum(f["seconds"] for f in trained)
    return {
        "lesson": path.stem, "seconds": seconds, "cells": cells, "device": device(),
        "backend": backend_version(), "tensorflow_loaded": "tensorflow" in sys.modules,
        "fit_seconds": sum(f["seconds"] for f in fits),
        "samples_per_second": sum(f["samples"] for f in trained) / fit_seconds if trained else None,
        "fits": fits,
        "records": {key[len(results.PREFIX):]: json.loads(value)
                    for key, value in glue.VALUES.items() if key.startswith(results.PREFIX)},
        # every glued number, as the build publishes it (book.records)
        "lesson_record": lesson_record(path.stem, dict(glue.VALUES),
                                       path.read_text(encoding="utf-8"),
                                       current_commit(path.parent)),
    }



def _experiments(term):
    """The experiment names a term of an expectation refers to."""
    if isinstance(term, list):
        return {name for item in term for name in _experiments(item)}
    return set() if isinstance(term, (int, float)) else {str(term).rpartition(".")[0]}


def applicable_expectations(reference, profile, lessons):
    """The expectations of ``all`` and ``profile`` whose experiments all belong to ``lessons``."""
    owner = {name: entry["lesson"] for name, entry in reference["experiments"].items()}
    claims = reference["expectations"].get("all", []) + reference["expectations"].get(profile, [])
    return [c for c in claims
            if all(owner.get(e) in lessons for e in _experiments(c["left"]) | _experiments(c["right"]))]


def timing_table(runs):
    """Markdown table: one row per lesson."""
    lines = ["| lesson | seconds | of which training | training samples/s | device | backend |",
             "|---|---:|---:|---:|---|---|"]
    for run in runs:
        rate = f"{run['samples_per_second']:,.0f}" if run.get("samples_per_second") else "–"
        lines.append(f"| {run['lesson']} | {run['seconds']:.1f} | {run['fit_seconds']:.1f} | "
                     f"{rate} | {run['device']} | {run['backend']} |")
    return "\n".join(lines)


def _run_in_child(path, out, profile, timeout):
    """Run one lesson in a fresh Python process; its output goes to ``<lesson>.log``."""
    result_file = out / f"{path.stem}.run.json"
    env = {**os.environ, ENV_VAR: profile, "MPLBACKEND": "Agg", BUILD_VARIABLE: "1"}
    with open(out / f"{path.stem}.log", "w", encoding="utf-8") as log:
        try:
            child = subprocess.run(
                [sys.executable, "-m", "book.gpu_check", "--one", str(path), "--out", str(out)],
                stdout=log, stderr=subprocess.STDOUT, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"stopped after {timeout} s"
    if child.returncode != 0 or not result_file.is_file():
        tail = (out / f"{path.stem}.log").read_text(encoding="utf-8").strip().splitlines()[-15:]
        return None, "\n".join(tail)
    return json.loads(result_file.read_text(encoding="utf-8")), None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m book.gpu_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=list(PROFILES), default="full",
                        help="sizes to run (default: full, the course's own)")
    parser.add_argument("--lessons", nargs="+", default=list(SHORT_CHECK), metavar="NN",
                        help=f"lessons by number or name (default: {' '.join(SHORT_CHECK)})")
    parser.add_argument("--out", type=Path, default=Path("_build/gpu-check"), help="output folder")
    parser.add_argument("--lessons-dir", type=Path, default=ROOT / "lessons")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per lesson")
    parser.add_argument("--seed", type=int, help="rerun with another seed (sets BOOK_SEED)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)   # a child: run one lesson
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.seed is not None:
        os.environ[SEED_VARIABLE] = str(args.seed)      # the children inherit it

    if args.one:
        run = run_lesson(args.one)
        (args.out / f"{args.one.stem}.run.json").write_text(json.dumps(run, indent=1), encoding="utf-8")
        return 0

    paths = lesson_paths(args.lessons, args.lessons_dir)
    (args.out / "results").mkdir(exist_ok=True)
    runs, failed = [], []
    for path in paths:
        print(f"== {path.stem} ({args.profile} profile)", flush=True)
        run, error = _run_in_child(path, args.out, args.profile, args.timeout)
        if run is None:
            failed.append(path.stem)
            print(f"FAILED, see {args.out / (path.stem + '.log')}:\n{error}", flush=True)
            continue
        runs.append(run)
        lesson_json = results.lesson_file(path.stem, run["records"])
        (args.out / "results" / f"{path.stem}.json").write_text(
            json.dumps(lesson_json, indent=1), encoding="utf-8")
        print(f"   {run['seconds']:.1f} s, {len(run['records'])} records, {run['device']}", flush=True)

    write_records({run["lesson"]: run["lesson_record"] for run in runs}, args.out / "records")
    table = timing_table(runs)
    (args.out / "timing.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "timing.json").write_text(
        json.dumps([{k: v for k, v in run.items() if k not in ("records", "lesson_record")}
                    for run in runs], indent=1),
        encoding="utf-8")
    print("\n" + table + "\n")

    reference = results.load_reference(args.lessons_dir.parent / "results" / "reference.yml")
    ran = {run["lesson"] for run in runs} | set(failed)
    records = {name: entry for run in runs for name, entry in run["records"].items()}
    checks = results.check(applicable_expectations(reference, args.profile, ran), records)
    print(results.checks_markdown(checks) or "(no expectation concerns these lessons)")
    violated = [c for c in checks if not c.holds]
    print(f"\n{len(runs)} lessons ran, {len(failed)} failed; {len(checks) - len(violated)} "
          f"expectations hold, {len(violated)} violated.")
    return 1 if failed or violated else 0


if __name__ == "__main__":
    sys.exit(main())
