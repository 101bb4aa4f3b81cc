"""The record of every number a page shows: one JSON file per lesson, published with the book.

A lesson's record is made from the values the lesson glued (``book.glue``), the very values
its page was made from, not a second computation. At build time they come from myst-nb's
``_build/jupyter_execute/lessons/<lesson>.glue.json``; in ``python -m book.gpu_check`` from
``book.glue.VALUES``. The build publishes them as ``records/<lesson>.json``::

    {"schema": 1, "lesson": "07-mnist-architectures",
     "provenance": {"profile": "quick", "seed": 2024, "backend": "TensorFlow 2.21.0",
                    "device": "CPU", "python": "3.11.7", "packages": {...},
                    "executed": "2026-12-05T13:30:00+00:00", "commit": "e602848"},
     "values": {"cnn4_vs_mlp": {"value": 1.9, "formats": ["+.1f"], "volatile": false,
                                "low": 0.9, "high": 2.9, "verdict": "above",
                                "method": "Newcombe's paired interval; ..."},
                "cnn4_vs_mlp_verdict": {"value": "above", "formats": [""],
                                        "volatile": false, "verdict_of": "cnn4_vs_mlp"},
                "train_seconds": {"value": 12.3, "formats": [".0f"], "volatile": true}}}

``formats`` are the format specs with which the lesson's text shows the value
(``{glue:text}`name:spec```). Values glued with ``glue_volatile`` (timings) are marked
volatile; ``glue_estimate`` adds the interval and the verdict. ``book.changes`` compares two
sets of records.
"""

import ast
import json
import re
import subprocess
from pathlib import Path

from .glue import QUANTITY_PREFIX
from .results import PREFIX as RESULT_PREFIX
from .runtime import PROVENANCE_KEY

SCHEMA = 1
GLUE_USE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")
ESTIMATE_PARTS = ("_ci", "_p", "_verdict")


def current_commit(folder):
    """The short commit of the checkout that holds ``folder`` (None outside git)."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def formats_in_source(text):
    """``{name: [spec, ...]}``: how the lesson's text shows each glued value."""
    formats = {}
    for match in GLUE_USE.finditer(text):
        specs = formats.setdefault(match.group(1), [])
        if (match.group(2) or "") not in specs:
            specs.append(match.group(2) or "")
    return formats


def _plain(value):
    """A JSON-safe form of a glued value (NumPy scalars become numbers)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if type(value).__name__ == "bool_":                          # NumPy's bool
        return bool(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() and "int" in type(value).__name__ else number


def _parse_text_plain(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        match = re.fullmatch(r"np\.\w+\((.*)\)", text.strip())   # np.float64(0.5)
        if match:
            return _parse_text_plain(match.group(1))
        return text


def glued_from_json(path):
    """``{name: value}`` from a myst-nb ``.glue.json`` (empty if the lesson glued nothing)."""
    path = Path(path)
    if not path.is_file():
        return {}
    glued = json.loads(path.read_text(encoding="utf-8"))
    return {name: _parse_text_plain(entry["data"].get("text/plain", ""))
            for name, entry in glued.items()}


def lesson_record(lesson, glued, source_text, commit=None):
    """The record of one lesson from its glued values and its source text."""
    quantities, provenance, values = {}, {}, {}
    for name, value in glued.items():
        if name.startswith(QUANTITY_PREFIX):
            quantities[name[len(QUANTITY_PREFIX):]] = json.loads(value)
        elif name == PROVENANCE_KEY:
            provenance = json.loads(value)
    formats = formats_in_source(source_text)
    for name, value in glued.items():
        if name.startswith((QUANTITY_PREFIX, RESULT_PREFIX)) or name == PROVENANCE_KEY:
            continue
        entry = {"value": _plain(value), "formats": formats.get(name, []),
                 "volatile": bool(quantities.get(name, {}).get("volatile", False))}
        facts = quantities.get(name, {})
        entry.update({key: facts[key] for key in ("low", "high", "verdict", "method")
                      if key in facts})
        for suffix in ESTIMATE_PARTS:
            base = name[: -len(suffix)]
            if name.endswith(suffix) and "low" in quantities.get(base, {}):
                entry["part_of"] = base
        values[name] = entry
    if commit:
        provenance["commit"] = commit
    return {"schema": SCHEMA, "lesson": lesson, "provenance": provenance, "values": values}


def write_records(records, folder):
    """Write ``{lesson: record}`` as ``<folder>/<lesson>.json`` and an ``index.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for lesson, record in records.items():
        (folder / f"{lesson}.json").write_text(json.dumps(record, indent=1, sort_keys=True),
                                               encoding="utf-8")
    (folder / "index.json").write_text(
        json.dumps({"schema": SCHEMA, "lessons": sorted(records)}, indent=1), encoding="utf-8")
