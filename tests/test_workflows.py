"""The GitHub Actions workflows: valid (linted offline) and doing what the README promises."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name):
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))      # YAML 1.1 reads `on` as true
    return workflow


def _runs(workflow):
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values()
                     for step in job.get("steps", []))


def _uses(workflow):
    return [step["uses"] for job in workflow["jobs"].values() for step in job.get("steps", [])
            if "uses" in step]


def test_workflows_pass_the_github_workflow_schema():
    """check-jsonschema's vendored schema of GitHub workflows: no network needed."""
    linter = Path(sys.executable).with_name("check-jsonschema")
    if not linter.is_file():
        linter = shutil.which("check-jsonschema")
    assert linter, "check-jsonschema is missing: install the build extra (requirements.lock)"
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert len(files) == 3
    result = subprocess.run([str(linter), "--builtin-schema", "vendor.github-workflows",
                             *map(str, files)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_push_runs_the_readme_commands_verbatim_in_the_quick_profile():
    readme = (ROOT / "README.md").read_text()
    commands = [line for block in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
                for line in block.splitlines() if line.startswith(".venv/bin/") or line.startswith("python3 -m venv")]
    build = next(c for c in commands if "jupyter-book build" in c and "BOOK_PROFILE" not in c)
    test = next(c for c in commands if "-m pytest" in c)
    install = next(c for c in commands if c.startswith("python3 -m venv"))
    workflow = _workflow("ci.yml")
    assert "push" in workflow["on"]
    runs = _runs(workflow).splitlines()
    for command in (install.split("  #")[0].strip(), build, test):
        assert command in runs, command
    assert workflow["jobs"]["build-and-test"]["env"]["BOOK_PROFILE"] == "quick"


def test_a_release_tag_deploys_pages_publishes_notebooks_and_attaches_both_zips():
    workflow = _workflow("release.yml")
    assert workflow["on"]["push"]["tags"] == ["v*"]
    runs, uses = _runs(workflow), _uses(workflow)
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert "git -C /tmp/nb push origin notebooks" in runs and "cp -r _build/html/notebooks/*" in runs
    assert re.search(r"gh release upload .*cnn-book-html\.zip .*cnn-book-notebooks\.zip", runs)
    assert workflow["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    # links to the repository the release runs in, so that a fork publishes working links
    assert workflow["jobs"]["build"]["env"]["BOOK_REPOSITORY_URL"] == \
        "${{ github.server_url }}/${{ github.repository }}"


def test_weekly_the_learners_path_runs_in_colabs_image_and_a_failure_opens_an_issue():
    workflow = _workflow("weekly.yml")
    assert workflow["on"]["schedule"][0]["cron"].split()[-1] in "0123456"
    colab = workflow["jobs"]["colab"]
    assert colab["container"]["image"].startswith("us-docker.pkg.dev/colab-images/public/runtime")
    assert "tests/test_learners_path.py" in _runs({"jobs": {"colab": colab}})
    report = workflow["jobs"]["report"]
    assert report["if"] == "failure()" and "gh issue create" in report["steps"][0]["run"]
    assert workflow["permissions"]["issues"] == "write"


def test_weekly_a_newer_colab_package_list_than_the_vendored_one_opens_an_issue():
    steps = _workflow("weekly.yml")["jobs"]["colab-list"]["steps"]
    assert "python3 colab/refresh.py --check" in steps[1]["run"] and "exit $status" in steps[1]["run"]
    assert steps[2]["if"] == "failure()" and "gh issue create" in steps[2]["run"]


def test_ci_gives_the_learners_path_colabs_python():
    minor = re.search(r"^Python (\d+\.\d+)\.", (ROOT / "colab" / "os-info.txt").read_text(),
                      flags=re.M).group(1)
    runs = _runs(_workflow("ci.yml"))
    assert f"uv python install {minor}" in runs and "LEARNERS_BASE_PYTHON=" in runs


@pytest.mark.parametrize("name", ["ci.yml", "release.yml", "weekly.yml"])
def test_actions_are_pinned_to_a_major_version(name):
    for action in _uses(_workflow(name)):
        assert re.match(r"^[\w-]+/[\w-]+@v\d+$", action), action
