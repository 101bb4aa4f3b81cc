"""End to end: the book built in the quick profile, read as HTML."""

import re

import pytest
import yaml

from conftest import ROOT

LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("*.md"))


@pytest.fixture(scope="module")
def pages(built_book):
    return {name: (built_book / "lessons" / f"{name}.html").read_text() for name in LESSONS}


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_has_executed_outputs_and_figures(pages, built_book, lesson):
    page = pages[lesson]
    assert page.count('class="cell_output') >= 5
    figures = re.findall(r"<figure.*?</figure>", page, flags=re.S)
    assert figures, "no figure on the page"
    for figure in figures:
        image = re.search(r'<img[^>]*src="([^"]+)"[^>]*>', figure)
        assert image, figure[:300]
        assert re.search(r'alt="[^"]{10,}"', image.group(0)), f"figure without alt text: {image.group(0)}"
        assert (built_book / "lessons" / image.group(1)).is_file()
        assert "<figcaption" in figure


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_carries_the_run_banner(pages, lesson):
    banner = re.search(r'<div class="book-banner".*?</div>', pages[lesson], flags=re.S)
    assert banner, "no banner"
    text = re.sub(r"<[^>]+>", " ", banner.group(0))
    assert "Profile" in text and "quick" in text
    assert "Device" in text and ("CPU" in text or "GPU" in text)
    assert re.search(r"TensorFlow\s+2\.\d+", text)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_has_no_error_and_every_glue_resolved(pages, lesson):
    page = pages[lesson]
    for marker in ("Traceback", "ipythontb", "stderr", "{glue", "glue:text"):
        assert marker not in page, f"{marker!r} on {lesson}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_markup_is_left_unrendered(pages, lesson):
    """A directive fence that did not parse (a stray ':::') shows as text on the page."""
    text = re.sub(r"<(script|style|pre)\b.*?</\1>", "", pages[lesson], flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert ":::" not in text, f"unrendered ':::' on {lesson}"
    assert not re.search(r"```\{", text), f"unrendered directive on {lesson}"


def test_lesson_1_numbers_come_from_the_models(pages):
    text = " ".join(re.sub(r"<[^>]+>", "", pages["01-dense-to-cnn"]).split())
    assert "holds 392,500 parameters" in text     # 784 * 500 + 500
    assert "only 320 parameters" in text          # 32 * (3 * 3 + 1)
    assert "needs 250,890 parameters" in text     # 28 * 28 * 32 * 10 + 10


def test_lesson_5_numbers_come_from_the_computation(pages):
    text = " ".join(re.sub(r"<[^>]+>", "", pages["05-least-squares-and-cross-entropy"]).split())
    assert "0.6109, which is also" in text                # H(0.3) = -(0.3 ln 0.3 + 0.7 ln 0.7)
    assert "The closed form, lstsq and descent with momentum agree" in text


def test_lesson_6_counts_come_from_the_models(pages):
    text = " ".join(re.sub(r"<[^>]+>", "", pages["06-cnn-arithmetic"]).split())
    assert "The network has 89,610 learnable parameters" in text        # 784-100-100-10 MLP
    assert "1,516 parameters instead of 2,416" in text                   # LeNet-5's C3
    assert "AlexNet has 62,378,344 parameters" in text
    assert "386,548,840" in text and "383,157,224" in text               # ZFNet: computed, printed


def test_status_page_lists_every_lesson(built_book):
    status = (built_book / "status.html").read_text()
    for lesson in LESSONS:
        assert f"lessons/{lesson}" in status
    assert "✅" in status


def test_the_table_of_contents_lists_every_lesson_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]
              if chapter["file"].startswith("lessons/")]
    assert listed == [f"lessons/{lesson}" for lesson in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS)
def test_figures_and_exercises_are_numbered_within_their_lesson(pages, lesson):
    number = int(lesson.split("-")[0])
    captions = re.findall(r'<span class="caption-number">(\w+)\.? ([\d.]+) </span>', pages[lesson])
    assert captions, "no numbered figure or exercise"
    for kind in {kind for kind, _ in captions}:
        numbers = [label for k, label in captions if k == kind]
        assert numbers == [f"{number}.{i}" for i in range(1, len(numbers) + 1)], (kind, numbers)


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_solutions_title_holds_no_link(pages, lesson):
    # A tap on the title opens the solution; a link there took a phone's reader to the exercise.
    titles = re.findall(r'<div class="solution[^"]*"[^>]*>\s*<p class="admonition-title">(.*?)</p>',
                        pages[lesson], flags=re.S)
    assert all("<a " not in title for title in titles), titles
