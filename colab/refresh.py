"""Refresh Colab's published runtime lists in this folder, or check whether they are current.

Colab publishes its runtime's packages and OS in the public repository googlecolab/backend-info.
This folder keeps a copy (``FILES``) and ``source.txt``, the commit and date of that copy;
tests/test_learners_path.py builds the learners' environment from ``pip-freeze.txt``.

    python colab/refresh.py          # download the newest lists, rewrite source.txt
    python colab/refresh.py --check  # exit 1 when Colab has published newer lists than ours

Both need the network (github.com); without it they say so and exit 2, changing nothing.
"""

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

REPOSITORY = "googlecolab/backend-info"
BRANCH = "main"
FILES = ("pip-freeze.txt", "pip-freeze.gpu.txt", "os-info.txt", "os-info-gpu.txt")
HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source.txt"


def _get(url):
    request = urllib.request.Request(url, headers={"User-Agent": "cnn-book-colab-refresh"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def vendored():
    """``{"commit": ..., "date": ...}`` of the copy in this folder (from ``source.txt``)."""
    pairs = (line.split(":", 1) for line in SOURCE.read_text().splitlines()
             if ":" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def newest():
    """The commit and date of the newest lists Colab has published."""
    data = json.loads(_get(f"https://api.github.com/repos/{REPOSITORY}/commits/{BRANCH}"))
    return {"commit": data["sha"], "date": data["commit"]["committer"]["date"]}


def main(argv):
    ours = vendored()
    try:
        theirs = newest()
        if "--check" in argv:
            if theirs["commit"] == ours["commit"]:
                print(f"Colab's lists are current: {REPOSITORY} {ours['commit'][:7]} "
                      f"of {ours['date']}.")
                return 0
            print(f"Colab's lists here are older than Colab's current ones: ours are "
                  f"{REPOSITORY} {ours['commit'][:7]} of {ours['date']}, Colab's are "
                  f"{theirs['commit'][:7]} of {theirs['date']}. Run python colab/refresh.py "
                  f"and then the learners' path (tests/test_learners_path.py).")
            return 1
        contents = {name: _get(f"https://raw.githubusercontent.com/{REPOSITORY}/"
                               f"{theirs['commit']}/{name}") for name in FILES}
    except (urllib.error.URLError, OSError) as error:
        print(f"No network: could not reach GitHub ({getattr(error, 'reason', error)}). "
              f"Nothing changed; the lists here are {REPOSITORY} {ours['commit'][:7]} of "
              f"{ours['date']}.", file=sys.stderr)
        return 2
    for name, content in contents.items():
        (HERE / name).write_bytes(content)
    SOURCE.write_text(
        f"# Colab's published runtime lists, copied by colab/refresh.py from\n"
        f"repository: https://github.com/{REPOSITORY}\n"
        f"commit: {theirs['commit']}\ndate: {theirs['date']}\n")
    print(f"Copied {', '.join(FILES)} of {REPOSITORY} {theirs['commit'][:7]} "
          f"({theirs['date']}).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
