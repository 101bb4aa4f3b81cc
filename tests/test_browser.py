"""What a reader clicks, in a real headless Chromium (Debian's package), served from localhost."""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from conftest import ROOT

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
ARTIFACTS = ROOT / "_build" / "test-artifacts"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def lesson(site):
    outside = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})

        def only_localhost(route):
            if route.request.url.startswith(site) or route.request.url.startswith("data:"):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", only_localhost)
        page.goto(f"{site}/lessons/01-dense-to-cnn.html", wait_until="load")
        page.wait_for_selector("mjx-container", timeout=20000)
        page.outside_requests = outside
        yield page
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lesson-01.png"), full_page=True)
        browser.close()


def test_the_page_needs_nothing_from_outside(lesson):
    assert lesson.outside_requests == []


def test_math_is_typeset_by_the_books_own_mathjax(lesson):
    assert lesson.locator("mjx-container").count() > 5
    assert lesson.evaluate("window.MathJax && MathJax.version").startswith("3")


def test_figures_load_and_have_alt_text(lesson):
    images = lesson.locator("figure img")
    assert images.count() >= 3
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        assert len(image.get_attribute("alt") or "") > 10
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_numeric_question_gives_feedback_for_wrong_then_right(lesson):
    field = lesson.locator("input.Input-text").first
    field.scroll_into_view_if_needed()
    feedback = field.locator("xpath=ancestor::div[contains(@class,'Quiz')][1]//div[contains(@class,'Feedback')]").first
    field.fill("392000")
    field.press("Enter")
    wrong = feedback.inner_text()
    assert "Not quite" in wrong
    field.fill("392500")
    field.press("Enter")
    right = feedback.inner_text()
    assert right != wrong and "Correct" in right


def test_choice_question_works_with_the_keyboard_alone(lesson):
    question = lesson.locator("div.Quiz", has_text="Which pattern in the learning curves").first
    question.scroll_into_view_if_needed()
    options = question.locator(".MCButton")
    feedback = question.locator(".Feedback")
    wrong = options.filter(has_text="fall together").first
    wrong.focus()
    lesson.keyboard.press("Enter")
    assert "healthy learning" in feedback.inner_text()
    right = options.filter(has_text="validation loss rises").first
    right.focus()
    lesson.keyboard.press("Tab")
    lesson.keyboard.press("Shift+Tab")                # Tab order reaches the option
    assert lesson.evaluate("document.activeElement.textContent").strip().startswith("Training loss keeps")
    lesson.keyboard.press(" ")
    assert "Correct" in feedback.inner_text()


def test_solution_toggle_opens_and_closes(lesson):
    solution = lesson.locator("details.solution, .solution.dropdown").first
    solution.scroll_into_view_if_needed()
    code = solution.locator("pre").first
    assert not code.is_visible()
    solution.locator("summary, .toggle-button").first.click()
    code.wait_for(state="visible")
    solution.locator("summary, .toggle-button").first.click()
    code.wait_for(state="hidden")
