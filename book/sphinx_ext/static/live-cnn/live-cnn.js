/* The live CNN: draw a digit, and the book's own trained CNN classifies it in the page.
 *
 * A small forward pass (Conv2D, BatchNormalization in inference mode, Activation, MaxPooling2D,
 * Flatten, Dropout as identity, Dense, softmax) over the weights the lesson exported at build
 * time (book/live_cnn.py). Nothing leaves the page: the model is a file of the book, loaded with
 * a script tag so that it also works from file://. Included only on pages with a live CNN.
 *
 * For tests and the curious: window.liveCnn.lastInput (the 28 x 28 raw pixels, 0-255, row by
 * row), lastProbabilities, lastActivations (one Float32Array per layer) and predictPixels().
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src : document.baseURI;
  window.liveCnnModels = window.liveCnnModels || {};

  /* ---------- weights ---------- */

  function half(bits) {                                    // IEEE 754 binary16 -> number
    var sign = bits & 0x8000 ? -1 : 1, exp = (bits >> 10) & 0x1f, frac = bits & 0x3ff;
    if (exp === 0) return sign * Math.pow(2, -14) * (frac / 1024);
    if (exp === 31) return frac ? NaN : sign * Infinity;
    return sign * Math.pow(2, exp - 15) * (1 + frac / 1024);
  }

  function decode(array) {
    var bin = atob(array.data), bytes = new Uint8Array(bin.length), i;
    for (i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var view = new DataView(bytes.buffer), n = array.shape.reduce(function (a, b) { return a * b; }, 1);
    var out = new Float32Array(n);
    if (array.dtype === "float16") for (i = 0; i < n; i++) out[i] = half(view.getUint16(2 * i, true));
    else for (i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }

  function prepare(spec) {
    spec.layers.forEach(function (layer) {
      ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"].forEach(function (key) {
        if (layer[key]) layer["_" + key] = decode(layer[key]);
      });
    });
    return spec;
  }

  /* ---------- the forward pass (channels last, row-major: index = (y * W + x) * C + c) ---------- */

  function samePad(size, k, s) {
    var out = Math.ceil(size / s), total = Math.max((out - 1) * s + k - size, 0);
    return [out, Math.floor(total / 2)];
  }

  function activate(x, name) {
    var i;
    if (name === "relu") for (i = 0; i < x.length; i++) { if (x[i] < 0) x[i] = 0; }
    else if (name === "softmax") {
      var m = -Infinity, sum = 0;
      for (i = 0; i < x.length; i++) m = Math.max(m, x[i]);
      var e = new Float64Array(x.length);
      for (i = 0; i < x.length; i++) { e[i] = Math.exp(x[i] - m); sum += e[i]; }
      for (i = 0; i < x.length; i++) x[i] = e[i] / sum;
    }
    return x;
  }

  function conv2d(x, shape, layer) {
    var H = shape[0], W = shape[1], C = shape[2], kh = layer.kernel_size[0], kw = layer.kernel_size[1];
    var sh = layer.strides[0], sw = layer.strides[1], F = layer.output[2], K = layer._kernel, b = layer._bias;
    var oh, ow, ph = 0, pw = 0;
    if (layer.padding === "same") {
      var a = samePad(H, kh, sh), c = samePad(W, kw, sw); oh = a[0]; ph = a[1]; ow = c[0]; pw = c[1];
    } else { oh = Math.floor((H - kh) / sh) + 1; ow = Math.floor((W - kw) / sw) + 1; }
    var out = new Float32Array(oh * ow * F), acc = new Float64Array(F);
    for (var y = 0; y < oh; y++) for (var xx = 0; xx < ow; xx++) {
      for (var f = 0; f < F; f++) acc[f] = b[f];
      for (var i = 0; i < kh; i++) {
        var iy = y * sh + i - ph; if (iy < 0 || iy >= H) continue;
        for (var j = 0; j < kw; j++) {
          var ix = xx * sw + j - pw; if (ix < 0 || ix >= W) continue;
          var src = (iy * W + ix) * C, kbase = (i * kw + j) * C * F;
          for (var ch = 0; ch < C; ch++) {
            var v = x[src + ch]; if (v === 0) continue;
            var k0 = kbase + ch * F;
            for (f = 0; f < F; f++) acc[f] += v * K[k0 + f];
          }
        }
      }
      var o = (y * ow + xx) * F;
      for (f = 0; f < F; f++) out[o + f] = acc[f];
    }
    return [activate(out, layer.activation), [oh, ow, F]];
  }

  function batchnorm(x, shape, layer) {
    var C = shape[shape.length - 1], out = new Float32Array(x.length);
    var scale = new Float64Array(C), shift = new Float64Array(C);
    for (var c = 0; c < C; c++) {
      scale[c] = layer._gamma[c] / Math.sqrt(layer._moving_variance[c] + layer.epsilon);
      shift[c] = layer._beta[c] - layer._moving_mean[c] * scale[c];
    }
    for (var i = 0; i < x.length; i++) out[i] = x[i] * scale[i % C] + shift[i % C];
    return [out, shape];
  }

  function maxpool(x, shape, layer) {
    var H = shape[0], W = shape[1], C = shape[2], ph = layer.pool_size[0], pw = layer.pool_size[1];
    var sh = layer.strides[0], sw = layer.strides[1], oh, ow, oy = 0, ox = 0;
    if (layer.padding === "same") {
      var a = samePad(H, ph, sh), b = samePad(W, pw, sw); oh = a[0]; oy = a[1]; ow = b[0]; ox = b[1];
    } else { oh = Math.floor((H - ph) / sh) + 1; ow = Math.floor((W - pw) / sw) + 1; }
    var out = new Float32Array(oh * ow * C);
    for (var y = 0; y < oh; y++) for (var xx = 0; xx < ow; xx++) for (var c = 0; c < C; c++) {
      var m = -Infinity;
      for (var i = 0; i < ph; i++) {
        var iy = y * sh + i - oy; if (iy < 0 || iy >= H) continue;
        for (var j = 0; j < pw; j++) {
          var ix = xx * sw + j - ox; if (ix < 0 || ix >= W) continue;
          var v = x[(iy * W + ix) * C + c]; if (v > m) m = v;
        }
      }
      out[(y * ow + xx) * C + c] = m;
    }
    return [out, [oh, ow, C]];
  }

  function dense(x, layer) {
    var n = x.length, U = layer.output[layer.output.length - 1], K = layer._kernel;
    var acc = new Float64Array(U), out = new Float32Array(U), u;
    for (u = 0; u < U; u++) acc[u] = layer._bias[u];
    for (var i = 0; i < n; i++) {
      var v = x[i]; if (v === 0) continue;
      var row = i * U;
      for (u = 0; u < U; u++) acc[u] += v * K[row + u];
    }
    for (u = 0; u < U; u++) out[u] = acc[u];
    return [activate(out, layer.activation), [U]];
  }

  function forward(spec, input) {
    var x = input, shape = spec.input.shape.slice(), activations = [];
    spec.layers.forEach(function (layer) {
      var r;
      switch (layer.type) {
        case "Conv2D": r = conv2d(x, shape, layer); break;
        case "BatchNormalization": r = batchnorm(x, shape, layer); break;
        case "Activation": r = [activate(Float32Array.from(x), layer.activation), shape]; break;
        case "MaxPooling2D": r = maxpool(x, shape, layer); break;
        case "Flatten": r = [x, [x.length]]; break;
        case "Dropout": r = [x, shape]; break;                 // identity at prediction
        case "Dense": r = dense(x, layer); break;
        default: throw new Error("live CNN: unsupported layer " + layer.type);
      }
      x = r[0]; shape = r[1]; activations.push(x);
    });
    return activations;
  }

  /* ---------- MNIST-like preprocessing ---------- */

  // Average of the source over each target cell (area resampling), separably.
  function resample(src, sw, x0, y0, w, h, tw, th) {
    function weights(start, length, n) {
      var rows = [];
      for (var t = 0; t < n; t++) {
        var a = start + t * length / n, b = start + (t + 1) * length / n, row = [];
        for (var k = Math.floor(a); k < Math.ceil(b); k++) {
          var overlap = Math.min(b, k + 1) - Math.max(a, k);
          if (overlap > 0) row.push([k, overlap / (b - a)]);
        }
        rows.push(row);
      }
      return rows;
    }
    var wx = weights(x0, w, tw), wy = weights(y0, h, th), out = new Float32Array(tw * th);
    for (var ty = 0; ty < th; ty++) for (var tx = 0; tx < tw; tx++) {
      var s = 0;
      wy[ty].forEach(function (py) {
        wx[tx].forEach(function (px) { s += src[py[0] * sw + px[0]] * py[1] * px[1]; });
      });
      out[ty * tw + tx] = s;
    }
    return out;
  }

  // Ink (0..1, size x size) -> 28 x 28 raw pixels (0..255) like MNIST: the digit's bounding box
  // scaled to fit 20 x 20 (aspect kept), then placed so that its centre of mass is the centre.
  function toMnist(ink, size) {
    var minX = size, minY = size, maxX = -1, maxY = -1, x, y;
    for (y = 0; y < size; y++) for (x = 0; x < size; x++) if (ink[y * size + x] > 0.02) {
      if (x < minX) minX = x; if (x > maxX) maxX = x; if (y < minY) minY = y; if (y > maxY) maxY = y;
    }
    if (maxX < 0) return null;
    var w = maxX - minX + 1, h = maxY - minY + 1, scale = 20 / Math.max(w, h);
    var tw = Math.max(1, Math.round(w * scale)), th = Math.max(1, Math.round(h * scale));
    var small = resample(ink, size, minX, minY, w, h, tw, th);
    var mass = 0, cx = 0, cy = 0;
    for (y = 0; y < th; y++) for (x = 0; x < tw; x++) {
      var v = small[y * tw + x]; mass += v; cx += (x + 0.5) * v; cy += (y + 0.5) * v;
    }
    var dx = Math.round(14 - cx / mass), dy = Math.round(14 - cy / mass);
    var out = new Float32Array(28 * 28);
    for (y = 0; y < th; y++) for (x = 0; x < tw; x++) {
      var X = x + dx, Y = y + dy;
      if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = Math.min(1, small[y * tw + x]) * 255;
    }
    return out;
  }

  /* ---------- drawing of maps ---------- */

  function colour(v) {                         // v in [-1, 1]: orange for +, blue for -, dark at 0
    var a = Math.min(1, Math.abs(v));
    return v >= 0 ? [255 * Math.sqrt(a), 190 * a, 40 * a] : [40 * a, 140 * a, 255 * Math.sqrt(a)];
  }

  function drawMaps(canvas, values, shape) {
    var ctx = canvas.getContext("2d"), max = 0, i;
    for (i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
    max = max || 1;
    var H, W, C, cols;
    if (shape.length === 3) { H = shape[0]; W = shape[1]; C = shape[2]; }
    else { C = 1; W = Math.min(shape[0], Math.max(10, Math.ceil(Math.sqrt(shape[0])))); H = Math.ceil(shape[0] / W); }
    cols = Math.min(C, 8);
    var rows = Math.ceil(C / cols), gap = 1;
    canvas.width = cols * (W + gap) - gap; canvas.height = rows * (H + gap) - gap;
    var image = ctx.createImageData(canvas.width, canvas.height);
    for (i = 0; i < image.data.length; i += 4) image.data[i + 3] = 0;      // gaps transparent
    for (var c = 0; c < C; c++) {
      var ox = (c % cols) * (W + gap), oy = Math.floor(c / cols) * (H + gap);
      for (var y = 0; y < H; y++) for (var x = 0; x < W; x++) {
        var k = shape.length === 3 ? (y * W + x) * C + c : y * W + x;
        var p = ((oy + y) * canvas.width + ox + x) * 4;
        if (k >= values.length) continue;
        var rgb = colour(values[k] / max);
        image.data[p] = rgb[0]; image.data[p + 1] = rgb[1]; image.data[p + 2] = rgb[2]; image.data[p + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    canvas.style.width = Math.min(360, Math.max(120, 3 * canvas.width)) + "px";
    return max;
  }

  /* ---------- the widget ---------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key]; else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function shapeText(shape) { return shape.join(" \u00d7 "); }

  function build(root, spec) {
    var SIZE = 280, strokes = [], current = null, pending = false, exampleIndex = 0;
    var uid = "live-cnn-" + spec.name;
    var pad = el("canvas", {width: SIZE, height: SIZE, class: "live-cnn-pad", tabindex: "0", role: "img",
      "aria-label": "Drawing area: draw one digit with the mouse, a finger or a pen. " +
                    "Without a pointer, use the Example digit button."});
    var seen = el("canvas", {width: 28, height: 28, class: "live-cnn-seen", role: "img",
      "aria-label": "The drawing as the network sees it, 28 by 28 pixels"});
    var undo = el("button", {type: "button", text: "Undo stroke"});
    var clear = el("button", {type: "button", text: "Clear"});
    var example = el("button", {type: "button", text: "Example digit"});
    var verdict = el("p", {class: "live-cnn-verdict", "aria-live": "polite", id: uid + "-verdict",
      text: "Draw a digit in the box."});
    var probs = el("ol", {class: "live-cnn-probs", "aria-label": "Class probabilities"});
    var bars = spec.classes.map(function (name) {
      var fill = el("span", {class: "live-cnn-fill"}), value = el("span", {class: "live-cnn-value", text: "\u2013"});
      probs.appendChild(el("li", {}, [el("span", {class: "live-cnn-label", text: name}),
        el("span", {class: "live-cnn-bar", "aria-hidden": "true"}, [fill]), value]));
      return [fill, value];
    });
    var layerList = el("div", {class: "live-cnn-layers"});
    var layerCanvases = spec.layers.map(function (layer, i) {
      var canvas = el("canvas", {class: "live-cnn-map", role: "img",
        "aria-label": "Activations of layer " + layer.name + ", " + shapeText(layer.output)});
      var caption = el("figcaption", {text: (i + 1) + ". " + layer.name + " (" + layer.type + "): " +
        shapeText(layer.output)});
      layerList.appendChild(el("figure", {class: "live-cnn-layer"}, [caption, canvas]));
      return [canvas, caption];
    });
    var layersBox = el("details", {class: "live-cnn-details", open: ""},
      [el("summary", {text: "Activations of every layer (orange positive, blue negative, " +
                             "each layer on its own scale)"}), layerList]);
    root.appendChild(el("div", {class: "live-cnn-top"}, [
      el("div", {class: "live-cnn-left"}, [pad,
        el("div", {class: "live-cnn-buttons", role: "group", "aria-label": "Drawing controls"},
           [undo, clear, example])]),
      el("div", {class: "live-cnn-right"}, [verdict,
        el("div", {class: "live-cnn-seen-box"}, [seen,
          el("span", {text: "what the network sees: 28 \u00d7 28, centred by mass"})]),
        probs])]));
    root.appendChild(layersBox);

    var ctx = pad.getContext("2d");
    function redraw() {
      ctx.fillStyle = "#000"; ctx.fillRect(0, 0, SIZE, SIZE);
      ctx.strokeStyle = "#fff"; ctx.fillStyle = "#fff"; ctx.lineWidth = 20; ctx.lineCap = "round"; ctx.lineJoin = "round";
      strokes.forEach(function (stroke) {
        ctx.beginPath();
        stroke.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
        if (stroke.length === 1) ctx.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
        ctx.stroke();
      });
    }

    function showInput(pixels) {
      var c = seen.getContext("2d"), image = c.createImageData(28, 28);
      for (var i = 0; i < 784; i++) {
        var v = pixels ? pixels[i] : 0;
        image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v; image.data[4 * i + 3] = 255;
      }
      c.putImageData(image, 0, 0);
    }

    function show(pixels) {
      api.lastInput = pixels ? Array.from(pixels) : null;
      showInput(pixels);
      if (!pixels) {
        api.lastProbabilities = null; api.lastActivations = null;
        verdict.textContent = "Draw a digit in the box.";
        bars.forEach(function (b) { b[0].style.width = "0"; b[1].textContent = "\u2013"; });
        layerCanvases.forEach(function (lc) { lc[0].getContext("2d").clearRect(0, 0, lc[0].width, lc[0].height); });
        return;
      }
      var activations = api.predictPixels(pixels), p = activations[activations.length - 1];
      var best = 0;
      for (var k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      api.lastActivations = activations; api.lastProbabilities = Array.from(p);
      verdict.textContent = "The network reads " + spec.classes[best] + ", with probability " +
        (100 * p[best]).toFixed(1) + " %.";
      bars.forEach(function (b, k) {
        b[0].style.width = (100 * p[k]).toFixed(1) + "%";
        b[1].textContent = (100 * p[k]).toFixed(1) + " %";
        b[0].parentNode.parentNode.classList.toggle("live-cnn-best", k === best);
      });
      layerCanvases.forEach(function (lc, i) { drawMaps(lc[0], activations[i], spec.layers[i].output); });
      root.dispatchEvent(new CustomEvent("live-cnn-prediction", {bubbles: true}));
    }

    function classify() {
      pending = false;
      var data = ctx.getImageData(0, 0, SIZE, SIZE).data, ink = new Float32Array(SIZE * SIZE);
      for (var i = 0; i < ink.length; i++) ink[i] = data[4 * i] / 255;
      show(strokes.length ? toMnist(ink, SIZE) : null);
    }
    function schedule() { if (!pending) { pending = true; window.setTimeout(classify, 120); } }

    function point(event) {
      var r = pad.getBoundingClientRect();
      return [(event.clientX - r.left) * SIZE / r.width, (event.clientY - r.top) * SIZE / r.height];
    }
    pad.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      pad.setPointerCapture && pad.setPointerCapture(event.pointerId);
      current = [point(event)]; strokes.push(current); redraw(); schedule();
    });
    pad.addEventListener("pointermove", function (event) {
      if (!current) return;
      event.preventDefault();
      current.push(point(event)); redraw(); schedule();
    });
    function end() { if (current) { current = null; schedule(); } }
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    undo.addEventListener("click", function () { strokes.pop(); redraw(); classify(); });
    clear.addEventListener("click", function () { strokes = []; redraw(); classify(); });
    example.addEventListener("click", function () {
      if (!spec.examples.length) return;
      var bin = atob(spec.examples[exampleIndex++ % spec.examples.length]), pixels = new Float32Array(784);
      for (var i = 0; i < 784; i++) pixels[i] = bin.charCodeAt(i);
      strokes = []; redraw();
      ctx.imageSmoothingEnabled = false;                 // show it enlarged on the pad
      showInput(pixels);
      ctx.drawImage(seen, 0, 0, SIZE, SIZE);
      show(pixels);
    });

    var api = window.liveCnn = window.liveCnn || {};
    api.spec = spec; api.lastInput = null; api.lastProbabilities = null;
    api.predictPixels = function (pixels) {                 // raw 0..255, 784 values
      var x = new Float32Array(784);
      for (var i = 0; i < 784; i++) x[i] = (pixels[i] - spec.input.mean) / spec.input.std;
      return forward(spec, x);
    };
    api.toMnist = toMnist;
    redraw(); show(null);
    root.classList.add("live-cnn-ready");
  }

  function start(root) {
    var name = root.getAttribute("data-model");
    var status = el("p", {class: "live-cnn-status", role: "status", text: "Loading the model\u2026"});
    root.appendChild(status);
    function ready() {
      status.remove();
      try { build(root, prepare(window.liveCnnModels[name])); }
      catch (error) { root.appendChild(el("p", {class: "live-cnn-status", text: "The live CNN failed: " + error})); }
    }
    if (window.liveCnnModels[name]) return ready();
    var tag = el("script", {src: new URL(name + ".js", base).href});
    tag.onload = function () {
      if (window.liveCnnModels[name]) ready();
      else status.textContent = "The model file holds no model named " + name + ".";
    };
    tag.onerror = function () {
      status.textContent = "The model file was not found: this build did not export " + name + ".";
    };
    document.head.appendChild(tag);
  }

  function init() { document.querySelectorAll(".live-cnn[data-model]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
