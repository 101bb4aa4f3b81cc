"""Lesson 3's live CNN in a real headless Chromium (Debian's package), served from localhost,
at 1280 px and at 390 px (a phone, with touch).

The tests draw a digit with mouse events, read back the 28 x 28 input the page computed from
the drawing, and compare the page's whole probability vector with Keras's prediction for that
input, from a Keras model rebuilt from the very file the page loaded (book.live_cnn.to_keras).
They select a unit of each kind of layer by pointer, touch and keyboard and compare the
arithmetic the page shows with Keras's intermediate outputs, and shift an example digit through
every offset, comparing both networks' probabilities (and the page's plots) with Keras's.
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
WIDTHS = (1280, 390)
TOLERANCE = 1e-4

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


@pytest.fixture(scope="module", params=WIDTHS, ids=[f"{width}px" for width in WIDTHS])
def page(site, request):
    url, _ = site
    width = request.param
    phone = width < 600
    outside = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.width = width
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
        page.locator(".live-cnn").screenshot(path=str(ARTIFACTS / f"live-cnn-{width}.png"))
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


@pytest.fixture(scope="module")
def dense_model(site):
    from book import live_cnn

    _, folder = site
    spec = json.loads((folder / "_static" / "live-cnn" / "dense.json").read_text())
    return spec, live_cnn.to_keras(spec)


def show_example(page):
    """An example digit, unshifted, with its shift curves computed; its 28 x 28 raw pixels."""
    page.locator("button", has_text="No shift").click()
    page.locator("button", has_text="Example digit").click()
    page.wait_for_function("window.liveCnn.lastCurves !== null", timeout=60000)
    return np.array(page.evaluate("window.liveCnn.lastCentred"), dtype=np.float32).reshape(28, 28)


def test_the_page_draws_and_predicts_like_keras(page, model):
    from book import live_cnn

    spec, keras_model = model
    page.locator("button", has_text="Clear").click()
    draw(page, STROKES)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".live-cnn").screenshot(path=str(ARTIFACTS / f"live-cnn-{page.width}-drawn.png"))
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
    assert widget["x"] >= 0 and widget["x"] + widget["width"] <= page.width
    assert page.outside_requests == []
    assert [error for error in page.errors if "live-cnn" in error] == []   # the page's others: issue 12


def test_the_script_is_on_the_lesson_page_only(site):
    _, folder = site
    assert "live-cnn/live-cnn.js" in (folder / LESSON).read_text()
    for other in folder.glob("lessons/*.html"):
        if other.name != "03-building-cnns.html":
            assert "live-cnn.js" not in other.read_text()


def keras_outputs(spec, keras_model, image):
    """Every layer's output for one raw 28 x 28 image (the rounded-weights reference)."""
    import keras

    from book import live_cnn

    x = live_cnn.standardise(image, spec)
    every = keras.Model(keras_model.inputs, [layer.output for layer in keras_model.layers])
    return x[0], [np.asarray(out)[0] for out in every.predict(x, verbose=0)]


def click_unit(page, index, channel, y, x):
    """A click (or tap, on the phone) on unit (y, x) of map ``channel`` of layer ``index``."""
    spec = page.evaluate("window.liveCnn.spec.layers.map(l => l.output)")
    height, width, maps = spec[index]
    cols = min(maps, 8)
    canvas = page.locator(".live-cnn-map").nth(index)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale = box["width"] / (cols * (width + 1) - 1)
    px = ((channel % cols) * (width + 1) + x + 0.5) * scale
    py = ((channel // cols) * (height + 1) + y + 0.5) * scale
    if page.width < 600:
        canvas.tap(position={"x": px, "y": py})
    else:
        canvas.click(position={"x": px, "y": py})


def explanation(page):
    return page.evaluate("window.liveCnn.lastExplanation")


def close(a, b):
    return np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)).max() < TOLERANCE


def test_a_unit_of_each_kind_of_layer_shows_the_arithmetic_keras_computes(page, model):
    from book import live_cnn

    spec, keras_model = model
    image = show_example(page)
    x, outputs = keras_outputs(spec, keras_model, image)
    kinds = {}
    for index, layer in enumerate(spec["layers"]):
        kinds.setdefault(layer["type"], index)
    assert {"Conv2D", "BatchNormalization", "Activation", "MaxPooling2D", "Flatten", "Dense"} <= set(kinds)
    panel = page.locator(".live-cnn-panel")
    for kind, index in kinds.items():
        layer = spec["layers"][index]
        before = x if index == 0 else outputs[index - 1]
        if len(layer["output"]) == 3:
            height, width, maps = layer["output"]
            click_unit(page, index, min(2, maps - 1), height // 2, width // 3)
            page.keyboard.press("ArrowRight")              # the keyboard moves within the map
            page.keyboard.press("PageDown")                # ... and to the next map
            e = explanation(page)
            assert e["layer"] == index
            assert e["unit"] == {"channel": min(3, maps - 1), "y": height // 2, "x": width // 3 + 1}
            unit = (e["unit"]["y"], e["unit"]["x"], e["unit"]["channel"])
        else:
            page.locator(".live-cnn-map").nth(index).focus()   # Tab's target: the first unit
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            e = explanation(page)
            assert e["layer"] == index and e["unit"] == {"index": 2}
            unit = (2,)
        assert panel.is_visible() and layer["name"] in panel.inner_text()
        assert close(e["value"], outputs[index][unit]), kind
        if kind == "Conv2D":
            assert layer["activation"] == "linear"         # the total is the layer's output
            kernel, bias = live_cnn.decode(layer["kernel"]), live_cnn.decode(layer["bias"])
            y, xx, f = unit
            padded = np.pad(before, ((1, 1), (1, 1), (0, 0)))
            assert layer["kernel_size"] == [3, 3] and layer["padding"] == "same"
            window = padded[y:y + 3, xx:xx + 3]             # rows y-1..y+1 of the input
            products = 0.0
            for c, channel in enumerate(e["channels"]):
                shown = np.array([[0.0 if v is None else v for v in row] for row in channel["window"]])
                assert close(shown, window[:, :, c])
                assert close(channel["kernel"], kernel[:, :, c, f])
                assert close(np.sum(channel["products"]), channel["sum"])
                products += np.sum(channel["products"])
            assert close(e["bias"], bias[f])
            assert close(e["total"], outputs[index][unit])
            assert close(products + e["bias"], e["total"])          # the terms add up
            assert [step["layer"] for step in e["after"]] == [index + 1, index + 2]
            for step in e["after"]:                                 # batch norm, then ReLU
                assert close(step["value"], outputs[step["layer"]][unit])
            assert e["field"] == [max(0, y - 1), min(27, y + 1), max(0, xx - 1), min(27, xx + 1)]
            assert "plus the bias" in panel.inner_text()
        elif kind == "MaxPooling2D":
            y, xx, c = unit
            window = before[2 * y:2 * y + 2, 2 * xx:2 * xx + 2, c]
            assert close(e["window"], window)
            assert close(np.max(e["window"]), e["value"])
            i, j = e["chosen"]
            assert e["window"][i][j] == np.max(e["window"])
            assert "(max)" in panel.inner_text()
            if index == 6:                                  # conv, conv (3 x 3, same), pool
                assert e["field"] == [max(0, 2 * y - 2), min(27, 2 * y + 3),
                                      max(0, 2 * xx - 2), min(27, 2 * xx + 3)]
        elif kind == "Dense":
            kernel, bias = live_cnn.decode(layer["kernel"]), live_cnn.decode(layer["bias"])
            (u,) = unit
            terms = before * kernel[:, u]
            assert close(e["sumOfProducts"], terms.sum())
            assert close(e["bias"], bias[u])
            assert close(e["total"], terms.sum() + bias[u])
            largest = np.sort(np.abs(terms))[::-1][:len(e["top"])]
            assert close([abs(t["product"]) for t in e["top"]], largest)
            for term in e["top"]:
                assert close(term["x"], before[term["input"]])
                assert close(term["product"], term["x"] * term["w"])
            assert close(sum(t["product"] for t in e["top"]) + e["rest"], e["sumOfProducts"])
            assert e["field"] == [0, 27, 0, 27]
        elif kind in ("BatchNormalization", "Activation"):
            assert close(e["input"], before[unit])
        page.screenshot(path=str(ARTIFACTS / f"live-cnn-{page.width}-{kind}.png"))


def test_touch_targets_on_a_7x7_map_are_usable(page, model):
    spec, _ = model
    show_example(page)
    index = next(i for i, layer in enumerate(spec["layers"]) if layer["output"][:2] == [7, 7])
    click_unit(page, index, 5, 3, 3)
    assert explanation(page)["unit"] == {"channel": 5, "y": 3, "x": 3}
    zoom = page.locator(".live-cnn-zoom")
    box = zoom.bounding_box()
    assert box["width"] / 7 >= 24 and box["height"] / 7 >= 24          # WCAG 2.5.8: 24 px
    position = {"x": box["width"] * 5.5 / 7, "y": box["height"] * 1.5 / 7}
    if page.width < 600:
        zoom.tap(position=position)
    else:
        zoom.click(position=position)
    assert explanation(page)["unit"] == {"channel": 5, "y": 1, "x": 5}
    assert page.locator(".live-cnn").evaluate("el => el.scrollWidth <= el.clientWidth")


def test_shifting_through_every_offset_matches_keras(page, model, dense_model):
    from book import live_cnn

    spec, cnn = model
    dense_spec, dense = dense_model
    image = show_example(page)
    offsets = list(range(-6, 7))
    shifts = [(s, 0) for s in offsets] + [(0, s) for s in offsets]
    batch = live_cnn.standardise(np.stack([live_cnn.shift(image, dx, dy) for dx, dy in shifts]), spec)
    expected_cnn = cnn.predict(batch, verbose=0)
    expected_dense = dense.predict(batch, verbose=0)
    view = page.locator(".live-cnn-seen")
    view.scroll_into_view_if_needed()
    seen = {}
    for axis, (back, forth) in {"x": ("ArrowLeft", "ArrowRight"), "y": ("ArrowUp", "ArrowDown")}.items():
        page.locator("button", has_text="No shift").click()
        view.focus()
        for _ in range(7):                                 # one more than the limit: stays at -6
            page.keyboard.press(back)
        for step in range(13):
            shift = page.evaluate("window.liveCnn.shift")
            seen[(shift["dx"], shift["dy"])] = (
                np.array(page.evaluate("window.liveCnn.lastInput"), dtype=np.float32).reshape(28, 28),
                np.array(page.evaluate("window.liveCnn.lastProbabilities")),
                np.array(page.evaluate("window.liveCnn.lastCompareProbabilities")))
            if step < 12:
                if step % 2:
                    page.keyboard.press(forth)
                else:                                      # the buttons do the same
                    label = "Shift right one pixel" if axis == "x" else "Shift down one pixel"
                    page.get_by_role("button", name=label).click()
                    view.focus()
    assert sorted(seen) == sorted(set(shifts))
    for i, (dx, dy) in enumerate(shifts):
        pixels, p_cnn, p_dense = seen[(dx, dy)]
        assert np.array_equal(pixels, live_cnn.shift(image, dx, dy)), (dx, dy)
        assert close(p_cnn, expected_cnn[i]), (dx, dy)
        assert close(p_dense, expected_dense[i]), (dx, dy)
    curves = page.evaluate("window.liveCnn.lastCurves")
    assert curves["offsets"] == offsets
    read_cnn, read_dense = expected_cnn[offsets.index(0)].argmax(), expected_dense[offsets.index(0)].argmax()
    assert (curves["cnnClass"], curves["denseClass"]) == (read_cnn, read_dense)
    for axis, rows in (("horizontal", slice(0, 13)), ("vertical", slice(13, 26))):
        assert close(curves[axis]["cnn"], expected_cnn[rows, read_cnn])
        assert close(curves[axis]["dense"], expected_dense[rows, read_dense])
    table = page.locator(".live-cnn-table")
    table.locator("summary").click()
    assert table.locator("tbody tr").count() == 13          # the plots' text alternative
    assert page.locator(".live-cnn-plot title").count() == 2


def test_a_drag_on_the_input_view_shifts_the_digit(page):
    show_example(page)
    view = page.locator(".live-cnn-seen")
    view.scroll_into_view_if_needed()
    box = view.bounding_box()
    cell = box["width"] / 28
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 3 * cell, start[1] - 2 * cell, steps=5)
    page.mouse.up()
    assert page.evaluate("window.liveCnn.shift") == {"dx": 3, "dy": -2}
    page.locator("button", has_text="No shift").click()


def test_the_shift_experiment_adds_at_most_1_mb_on_the_wire(site):
    """Issue 21's budget: the dense network's file, gzipped, with the widget's script and CSS
    (whole, an upper bound on what they added), under 1 MB beyond CNN2's file."""
    import gzip

    _, folder = site
    static = folder / "_static" / "live-cnn"
    added = sum(len(gzip.compress((static / name).read_bytes(), 6))
                for name in ("dense.js", "live-cnn.js", "live-cnn.css"))
    assert added < 1_000_000
