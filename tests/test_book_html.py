"""End to end: the book built in the quick profile, read as HTML."""

import re

import pytest

LESSONS = ["01-dense-to-cnn", "07-mnist-architectures", "08-cifar10-overfitting"]


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


def test_lesson_1_numbers_come_from_the_models(pages):
    text = " ".join(re.sub(r"<[^>]+>", "", pages["01-dense-to-cnn"]).split())
    assert "holds 392,500 parameters" in text     # 784 * 500 + 500
    assert "only 320 parameters" in text          # 32 * (3 * 3 + 1)
    assert "needs 250,890 parameters" in text     # 28 * 28 * 32 * 10 + 10


def test_status_page_lists_every_lesson(built_book):
    status = (built_book / "status.html").read_text()
    for lesson in LESSONS:
        assert f"lessons/{lesson}" in status
    assert "✅" in status
