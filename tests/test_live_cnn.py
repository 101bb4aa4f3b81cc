"""Lesson 3's live CNN in a real headless Chromium (Debian's package), served from localhost.

The test draws a digit with mouse events, reads back the 28 x 28 input the page computed from
the drawing, and compares the page's whole probability vector with Keras's prediction for that
input, from a Keras model rebuilt from the very file the page loaded (book.live_cnn.to_keras).
"""

import functools
import http.server
import json
import shutil
import threading

import numpy as np
import pytest

from conftest import ROOT

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
ARTIFACTS = ROOT / "_build" / "test-artifacts"
LESSON = "lessons/03-building-cnns.html"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

# A "2" drawn as three strokes on the 280 x 280 pad, in pad coordinates.
STROKES = [
    [(80, 90), (100, 65), (140, 55), (180, 70), (195, 105), (180, 145), (140, 185), (95, 220)],
    [(95, 220), (150, 218), (205, 222)],
]


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", built_book
    server.shutdown()


@pytest.fixture(scope="module")
def page(site):
    url, _ = site
    outside = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 390, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(f"{error.message}\n{error.stack}"))

        def only_localhost(route):
            if route.request.url.startswith(url) or route.request.url.startswith("data:"):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", only_localhost)
        page.goto(f"{url}/{LESSON}", wait_until="load")
        page.wait_for_selector(".live-cnn.live-cnn-ready", timeout=30000)
        page.outside_requests, page.errors = outside, errors
        yield page
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator(".live-cnn").screenshot(path=str(ARTIFACTS / "live-cnn-390.png"))
        browser.close()


def draw(page, strokes):
    pad = page.locator(".live-cnn-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    scale = box["width"] / 280
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=4)
        page.mouse.up()
    page.wait_for_function("window.liveCnn && window.liveCnn.lastProbabilities !== null")
    page.wait_for_timeout(400)                   # the last scheduled prediction has run


@pytest.fixture(scope="module")
def model(site):
    from book import live_cnn

    _, folder = site
    spec = json.loads((folder / "_static" / "live-cnn" / "cnn2.json").read_text())
    return spec, live_cnn.to_keras(spec)


def test_the_page_draws_and_predicts_like_keras(page, model):
    from book import live_cnn

    spec, keras_model = model
    page.locator("button", has_text="Clear").click()
    draw(page, STROKES)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".live-cnn").screenshot(path=str(ARTIFACTS / "live-cnn-390-drawn.png"))
    pixels = np.array(page.evaluate("window.liveCnn.lastInput"), dtype=np.float32)
    in_page = np.array(page.evaluate("window.liveCnn.lastProbabilities"))
    assert pixels.shape == (784,) and pixels.max() > 200 and pixels.min() == 0
    image = pixels.reshape(28, 28)
    rows, cols = np.nonzero(image)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 <= 21      # the 20 x 20 box
    mass = image.sum()
    centre = ((np.arange(28) + 0.5) @ image.sum(axis=1) / mass, (np.arange(28) + 0.5) @ image.sum(axis=0) / mass)
    assert np.allclose(centre, 14, atol=0.75)                                  # centred by mass
    expected = keras_model.predict(live_cnn.standardise(image, spec), verbose=0)[0]
    assert in_page.shape == (10,)
    assert np.abs(in_page - expected).max() < 1e-4
    assert abs(in_page.sum() - 1) < 1e-5


def test_every_layer_is_shown_and_the_verdict_is_text(page, model):
    spec, _ = model
    maps = page.locator(".live-cnn-map")
    assert maps.count() == len(spec["layers"])
    assert page.evaluate("window.liveCnn.lastActivations.length") == len(spec["layers"])
    verdict = page.locator(".live-cnn-verdict")
    assert verdict.get_attribute("aria-live") == "polite"
    best = int(np.argmax(page.evaluate("window.liveCnn.lastProbabilities")))
    assert f"reads {best}," in verdict.inner_text()
    assert page.locator(".live-cnn-probs li").count() == 10


def test_example_digit_by_keyboard_and_clear(page, model):
    from book import live_cnn

    spec, keras_model = model
    button = page.locator("button", has_text="Example digit")
    button.focus()
    page.keyboard.press("Enter")
    pixels = np.array(page.evaluate("window.liveCnn.lastInput"), dtype=np.float32).reshape(28, 28)
    assert np.array_equal(pixels, live_cnn.examples(spec)[0])
    expected = keras_model.predict(live_cnn.standardise(pixels, spec), verbose=0)[0]
    assert np.abs(np.array(page.evaluate("window.liveCnn.lastProbabilities")) - expected).max() < 1e-4
    page.locator("button", has_text="Clear").click()
    assert page.evaluate("window.liveCnn.lastProbabilities") is None


def test_it_fits_a_phone_and_needs_nothing_from_outside(page):
    widget = page.locator(".live-cnn")
    assert widget.evaluate("el => el.scrollWidth <= el.clientWidth")       # nothing sticks out
    widget = widget.bounding_box()
    assert widget["x"] >= 0 and widget["x"] + widget["width"] <= 390
    assert page.outside_requests == []
    assert [error for error in page.errors if "live-cnn" in error] == []   # the page's others: issue 12


def test_the_script_is_on_the_lesson_page_only(site):
    _, folder = site
    assert "live-cnn/live-cnn.js" in (folder / LESSON).read_text()
    for other in folder.glob("lessons/*.html"):
        if other.name != "03-building-cnns.html":
            assert "live-cnn.js" not in other.read_text()
