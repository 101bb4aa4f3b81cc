/* The live CNN: draw a digit, and the book's own trained CNN classifies it in the page.
 *
 * A small forward pass (Conv2D, BatchNormalization in inference mode, Activation, MaxPooling2D,
 * Flatten, Dropout as identity, Dense, softmax) over the weights the lesson exported at build
 * time (book/live_cnn.py). Nothing leaves the page: the model is a file of the book, loaded with
 * a script tag so that it also works from file://. Included only on pages with a live CNN.
 *
 * Select a unit of any layer (pointer, touch, or the keyboard: arrow keys within a map, Page Up
 * and Page Down or [ and ] between maps) and the page shows how the forward pass computed it.
 * With a second model (data-compare), the shift experiment moves the centred digit by whole
 * pixels and plots both networks' probability for the class each reads at zero shift.
 *
 * For tests and the curious, window.liveCnn holds: lastInput (the 28 x 28 raw pixels the
 * networks saw, 0-255, row by row, after the shift), lastCentred (before the shift), shift
 * ({dx, dy}), lastProbabilities, lastCompareProbabilities, lastActivations (one Float32Array per
 * layer), lastExplanation (the selected unit's arithmetic), lastCurves (the shift plots' values,
 * null until computed), predictPixels() and setShift(dx, dy).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src : document.baseURI;
  var MAX_SHIFT = 6, SIDE = 28;
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
    else if (array.dtype === "int8") {                      // signed byte times its unit's scale
      var scale = Float32Array.from(array.scale), units = scale.length;
      for (i = 0; i < n; i++) out[i] = Math.fround(view.getInt8(i) * scale[i % units]);
    }
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

  // Output size and the padding before the first row/column, for a window of k with stride s.
  function windowGeometry(size, k, s, padding) {
    return padding === "same" ? samePad(size, k, s) : [Math.floor((size - k) / s) + 1, 0];
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
    var gy = windowGeometry(H, kh, sh, layer.padding), gx = windowGeometry(W, kw, sw, layer.padding);
    var oh = gy[0], ph = gy[1], ow = gx[0], pw = gx[1];
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
    return [out, [oh, ow, F]];
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
    var sh = layer.strides[0], sw = layer.strides[1];
    var gy = windowGeometry(H, ph, sh, layer.padding), gx = windowGeometry(W, pw, sw, layer.padding);
    var oh = gy[0], oy = gy[1], ow = gx[0], ox = gx[1];
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
    return [out, [U]];
  }

  // Every layer's output, its input shape, and (for Conv2D and Dense) the sum before the layer's
  // own activation: the values that the unit panel shows.
  function forward(spec, input) {
    var x = input, shape = spec.input.shape.slice(), run = {input: input, outputs: [], sums: [], shapes: []};
    spec.layers.forEach(function (layer) {
      var r, sum = null;
      run.shapes.push(shape);
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
      if (layer.type === "Conv2D" || layer.type === "Dense") {
        sum = r[0];
        r[0] = layer.activation === "linear" ? sum : activate(Float32Array.from(sum), layer.activation);
      }
      x = r[0]; shape = r[1]; run.outputs.push(x); run.sums.push(sum);
    });
    return run;
  }

  function standardise(spec, pixels) {
    var x = new Float32Array(pixels.length);
    for (var i = 0; i < pixels.length; i++) x[i] = (pixels[i] - spec.input.mean) / spec.input.std;
    return x;
  }

  /* ---------- MNIST-like preprocessing, and the shift ---------- */

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
    var out = new Float32Array(SIDE * SIDE);
    for (y = 0; y < th; y++) for (x = 0; x < tw; x++) {
      var X = x + dx, Y = y + dy;
      if (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE) out[Y * SIDE + X] = Math.min(1, small[y * tw + x]) * 255;
    }
    return out;
  }

  // The image moved dx pixels right and dy down; what leaves the frame is cropped, what enters
  // is background (0): book.live_cnn.shift.
  function shiftPixels(pixels, dx, dy) {
    var out = new Float32Array(SIDE * SIDE);
    for (var y = 0; y < SIDE; y++) for (var x = 0; x < SIDE; x++) {
      var sy = y - dy, sx = x - dx;
      if (sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE) out[y * SIDE + x] = pixels[sy * SIDE + sx];
    }
    return out;
  }

  /* ---------- geometry: which input pixels a unit sees ---------- */

  // Rows y0..y1 and columns x0..x1 of the input that unit (y, x) of layer `index` depends on.
  function receptiveField(spec, shapes, index, y, x) {
    var y0 = y, y1 = y, x0 = x, x1 = x;
    for (var l = index; l >= 0; l--) {
      var layer = spec.layers[l], inShape = shapes[l];
      if (inShape.length !== 3) return [0, SIDE - 1, 0, SIDE - 1];
      var k = layer.kernel_size || layer.pool_size;
      if (layer.type === "Flatten" || layer.type === "Dense") return [0, SIDE - 1, 0, SIDE - 1];
      if (k) {
        var py = windowGeometry(inShape[0], k[0], layer.strides[0], layer.padding)[1];
        var px = windowGeometry(inShape[1], k[1], layer.strides[1], layer.padding)[1];
        y0 = y0 * layer.strides[0] - py; y1 = y1 * layer.strides[0] - py + k[0] - 1;
        x0 = x0 * layer.strides[1] - px; x1 = x1 * layer.strides[1] - px + k[1] - 1;
        y0 = Math.max(0, y0); x0 = Math.max(0, x0);
        y1 = Math.min(inShape[0] - 1, y1); x1 = Math.min(inShape[1] - 1, x1);
      }
    }
    return [y0, y1, x0, x1];
  }

  /* ---------- a unit's arithmetic ---------- */

  // The layers right after `index` that work value by value (batch norm, activation, dropout):
  // the unit's value after each, as the forward pass computed it.
  function after(spec, run, index, k) {
    var steps = [];
    for (var l = index + 1; l < spec.layers.length; l++) {
      var layer = spec.layers[l];
      if (["BatchNormalization", "Activation", "Dropout"].indexOf(layer.type) < 0) break;
      if (layer.type === "Activation" && layer.activation === "softmax") break;
      steps.push({layer: l, name: layer.name, type: layer.type, activation: layer.activation || null,
                  value: run.outputs[l][k]});
    }
    return steps;
  }

  function explain(spec, run, index, unit) {
    var layer = spec.layers[index], shape = layer.output, inShape = run.shapes[index];
    var input = index === 0 ? run.input : run.outputs[index - 1];
    var k = shape.length === 3 ? (unit.y * shape[1] + unit.x) * shape[2] + unit.channel : unit.index;
    var e = {layer: index, name: layer.name, type: layer.type, unit: unit, position: k,
             value: run.outputs[index][k],
             field: shape.length === 3 ? receptiveField(spec, run.shapes, index, unit.y, unit.x)
                                       : [0, SIDE - 1, 0, SIDE - 1]};
    var i, j, c;
    if (layer.type === "Conv2D") {
      var kh = layer.kernel_size[0], kw = layer.kernel_size[1], C = inShape[2], F = shape[2];
      var py = windowGeometry(inShape[0], kh, layer.strides[0], layer.padding)[1];
      var px = windowGeometry(inShape[1], kw, layer.strides[1], layer.padding)[1];
      e.channels = [];
      var total = 0;
      for (c = 0; c < C; c++) {
        var win = [], ker = [], prod = [], sum = 0;
        for (i = 0; i < kh; i++) {
          var wr = [], kr = [], pr = [];
          for (j = 0; j < kw; j++) {
            var iy = unit.y * layer.strides[0] + i - py, ix = unit.x * layer.strides[1] + j - px;
            var inside = iy >= 0 && iy < inShape[0] && ix >= 0 && ix < inShape[1];
            var v = inside ? input[(iy * inShape[1] + ix) * C + c] : null;   // null: zero padding
            var w = layer._kernel[((i * kw + j) * C + c) * F + unit.channel];
            var p = inside ? v * w : 0;
            wr.push(v); kr.push(w); pr.push(p); sum += p;
          }
          win.push(wr); ker.push(kr); prod.push(pr);
        }
        e.channels.push({channel: c, window: win, kernel: ker, products: prod, sum: sum});
        total += sum;
      }
      e.sumOfProducts = total;
      e.bias = layer._bias[unit.channel];
      e.total = run.sums[index][k];
      e.activation = layer.activation;
      e.after = after(spec, run, index, k);
    } else if (layer.type === "Dense") {
      var U = shape[0], terms = [];
      for (i = 0; i < input.length; i++) terms.push({input: i, x: input[i], w: layer._kernel[i * U + unit.index],
                                                     product: input[i] * layer._kernel[i * U + unit.index]});
      var all = terms.reduce(function (s, t) { return s + t.product; }, 0);
      terms.sort(function (a, b) { return Math.abs(b.product) - Math.abs(a.product); });
      e.top = terms.slice(0, 8);
      e.rest = all - e.top.reduce(function (s, t) { return s + t.product; }, 0);
      e.restCount = terms.length - e.top.length;
      e.sumOfProducts = all;
      e.bias = layer._bias[unit.index];
      e.total = run.sums[index][k];
      e.activation = layer.activation;
      e.after = after(spec, run, index, k);
    } else if (layer.type === "MaxPooling2D") {
      var ph = layer.pool_size[0], pw = layer.pool_size[1];
      var oy = windowGeometry(inShape[0], ph, layer.strides[0], layer.padding)[1];
      var ox = windowGeometry(inShape[1], pw, layer.strides[1], layer.padding)[1];
      e.window = []; e.chosen = null;
      var best = -Infinity;
      for (i = 0; i < ph; i++) {
        var row = [];
        for (j = 0; j < pw; j++) {
          var yy = unit.y * layer.strides[0] + i - oy, xx = unit.x * layer.strides[1] + j - ox;
          var ok = yy >= 0 && yy < inShape[0] && xx >= 0 && xx < inShape[1];
          var val = ok ? input[(yy * inShape[1] + xx) * inShape[2] + unit.channel] : null;
          row.push(val);
          if (ok && val > best) { best = val; e.chosen = [i, j]; }
        }
        e.window.push(row);
      }
    } else if (layer.type === "BatchNormalization") {
      c = shape.length === 3 ? unit.channel : unit.index;
      e.input = input[k]; e.mean = layer._moving_mean[c]; e.variance = layer._moving_variance[c];
      e.gamma = layer._gamma[c]; e.beta = layer._beta[c]; e.epsilon = layer.epsilon;
    } else if (layer.type === "Activation") {
      e.input = input[k]; e.activation = layer.activation;
    } else if (layer.type === "Flatten") {
      var s = inShape;
      e.source = {channel: k % s[2], x: Math.floor(k / s[2]) % s[1], y: Math.floor(k / (s[2] * s[1]))};
      var src = e.source;
      e.field = receptiveField(spec, run.shapes, index - 1, src.y, src.x);
    } else {
      e.input = input[k];
    }
    return e;
  }

  /* ---------- drawing ---------- */

  function colour(v) {                         // v in [-1, 1]: orange for +, blue for -, dark at 0
    var a = Math.min(1, Math.abs(v));
    return v >= 0 ? [255 * Math.sqrt(a), 190 * a, 40 * a] : [40 * a, 140 * a, 255 * Math.sqrt(a)];
  }

  // Tiles: C maps of H x W (or a vector laid out on a grid), up to 8 maps a row, 1 px apart.
  function layout(shape) {
    var H, W, C;
    if (shape.length === 3) { H = shape[0]; W = shape[1]; C = shape[2]; }
    else { C = 1; W = Math.min(shape[0], Math.max(10, Math.ceil(Math.sqrt(shape[0])))); H = Math.ceil(shape[0] / W); }
    var cols = Math.min(C, 8), gap = 1;
    return {H: H, W: W, C: C, cols: cols, rows: Math.ceil(C / cols), gap: gap, vector: shape.length !== 3,
            n: shape.length === 3 ? null : shape[0],
            width: cols * (W + gap) - gap, height: Math.ceil(C / cols) * (H + gap) - gap};
  }

  function drawMaps(canvas, values, shape) {
    var ctx = canvas.getContext("2d"), max = 0, i, g = layout(shape);
    for (i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
    max = max || 1;
    canvas.width = g.width; canvas.height = g.height;
    var image = ctx.createImageData(canvas.width, canvas.height);
    for (var c = 0; c < g.C; c++) {
      var ox = (c % g.cols) * (g.W + g.gap), oy = Math.floor(c / g.cols) * (g.H + g.gap);
      for (var y = 0; y < g.H; y++) for (var x = 0; x < g.W; x++) {
        var k = g.vector ? y * g.W + x : (y * g.W + x) * g.C + c;
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

  // One map (or the vector's grid) enlarged, each cell `cell` px, the selected one outlined.
  function drawZoom(canvas, values, shape, unit, cell) {
    var g = layout(shape), ctx = canvas.getContext("2d"), max = 0, i;
    canvas.width = g.W * cell; canvas.height = g.H * cell;
    for (i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
    max = max || 1;
    for (var y = 0; y < g.H; y++) for (var x = 0; x < g.W; x++) {
      var k = g.vector ? y * g.W + x : (y * g.W + x) * g.C + unit.channel;
      if (k >= values.length) continue;
      var rgb = colour(values[k] / max);
      ctx.fillStyle = "rgb(" + rgb.map(Math.round).join(",") + ")";
      ctx.fillRect(x * cell, y * cell, cell, cell);
    }
    var sy = g.vector ? Math.floor(unit.index / g.W) : unit.y, sx = g.vector ? unit.index % g.W : unit.x;
    ctx.lineWidth = 3; ctx.strokeStyle = "#fff"; ctx.strokeRect(sx * cell + 1.5, sy * cell + 1.5, cell - 3, cell - 3);
    ctx.lineWidth = 1; ctx.strokeStyle = "#000"; ctx.strokeRect(sx * cell + 3.5, sy * cell + 3.5, cell - 7, cell - 7);
    canvas.style.width = canvas.width + "px";
  }

  // The 28 x 28 input, `scale` px a pixel, with an optional outlined field [y0, y1, x0, x1].
  function drawInput(canvas, pixels, scale, field) {
    var ctx = canvas.getContext("2d");
    canvas.width = canvas.height = SIDE * scale;
    ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (pixels) for (var i = 0; i < SIDE * SIDE; i++) {
      var v = Math.round(pixels[i]);
      if (!v) continue;
      ctx.fillStyle = "rgb(" + v + "," + v + "," + v + ")";
      ctx.fillRect((i % SIDE) * scale, Math.floor(i / SIDE) * scale, scale, scale);
    }
    if (field) {
      var x = field[2] * scale, y = field[0] * scale;
      var w = (field[3] - field[2] + 1) * scale, h = (field[1] - field[0] + 1) * scale;
      ctx.lineWidth = 2; ctx.strokeStyle = "#ff3b8b"; ctx.strokeRect(x + 1, y + 1, w - 2, h - 2);
      ctx.setLineDash([3, 3]); ctx.strokeStyle = "#fff"; ctx.strokeRect(x + 1, y + 1, w - 2, h - 2);
      ctx.setLineDash([]);
    }
  }

  /* ---------- the widget ---------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key]; else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); });
    return node;
  }

  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function shapeText(shape) { return shape.join(" \u00d7 "); }
  function fmt(v) {                                      // four significant digits, a true minus
    if (v === null || v === undefined) return "pad";
    if (v === 0) return "0";
    var a = Math.abs(v), text = a >= 1e-3 && a < 1e5 ? v.toPrecision(4) : v.toExponential(2);
    if (text.indexOf("e") < 0 && text.indexOf(".") >= 0) text = text.replace(/0+$/, "").replace(/\.$/, "");
    return text.replace("-", "\u2212");
  }
  function shortTitle(model) { return model.title.replace(/ \(.*\)$/, ""); }     // "CNN2 (lesson 3)"
  function percent(p) { return (100 * p).toFixed(1) + " %"; }
  function signed(n) { return n > 0 ? "+" + n : n < 0 ? "\u2212" + (-n) : "0"; }

  function grid(caption, rows, mark) {                   // a small table of numbers
    var table = el("table", {class: "live-cnn-grid"}, [el("caption", {text: caption})]);
    var body = el("tbody");
    rows.forEach(function (row, i) {
      body.appendChild(el("tr", {}, row.map(function (v, j) {
        var chosen = mark && mark[0] === i && mark[1] === j;
        return el("td", chosen ? {class: "live-cnn-chosen", text: fmt(v) + " (max)"} : {text: fmt(v)});
      })));
    });
    table.appendChild(body);
    return table;
  }

  function build(root, spec, other) {
    var SIZE = 280, strokes = [], current = null, pending = false, exampleIndex = 0;
    var centred = null, shift = {dx: 0, dy: 0}, run = null, selected = null, curveRun = 0;
    var uid = "live-cnn-" + spec.name;
    var pad = el("canvas", {width: SIZE, height: SIZE, class: "live-cnn-pad", tabindex: "0", role: "img",
      "aria-label": "Drawing area: draw one digit with the mouse, a finger or a pen. " +
                    "Without a pointer, use the Example digit button. Arrow keys shift the digit."});
    var seen = el("canvas", {width: SIDE * 4, height: SIDE * 4, class: "live-cnn-seen", tabindex: "0", role: "img",
      "aria-label": "The 28 by 28 input the networks see. Drag it, or use the arrow keys, to shift the digit."});
    var undo = el("button", {type: "button", text: "Undo stroke"});
    var clear = el("button", {type: "button", text: "Clear"});
    var example = el("button", {type: "button", text: "Example digit"});
    var verdict = el("p", {class: "live-cnn-verdict", "aria-live": "polite", id: uid + "-verdict",
      text: "Draw a digit in the box."});
    var compareText = el("p", {class: "live-cnn-compare", "aria-live": "polite"});
    var probs = el("ol", {class: "live-cnn-probs", "aria-label": "Class probabilities"});
    var bars = spec.classes.map(function (name) {
      var fill = el("span", {class: "live-cnn-fill"}), value = el("span", {class: "live-cnn-value", text: "\u2013"});
      probs.appendChild(el("li", {}, [el("span", {class: "live-cnn-label", text: name}),
        el("span", {class: "live-cnn-bar", "aria-hidden": "true"}, [fill]), value]));
      return [fill, value];
    });

    /* the shift controls and plots */
    var shiftButtons = [["\u2190", "Shift left one pixel", -1, 0], ["\u2192", "Shift right one pixel", 1, 0],
                        ["\u2191", "Shift up one pixel", 0, -1], ["\u2193", "Shift down one pixel", 0, 1]]
      .map(function (b) {
        var button = el("button", {type: "button", "aria-label": b[1], title: b[1], text: b[0]});
        button.addEventListener("click", function () { setShift(shift.dx + b[2], shift.dy + b[3]); });
        return button;
      });
    var centre = el("button", {type: "button", text: "No shift"});
    centre.addEventListener("click", function () { setShift(0, 0); });
    var shiftText = el("p", {class: "live-cnn-shift-text", "aria-live": "polite", text: "Shift: none."});
    var plots = {}, plotBox = el("div", {class: "live-cnn-plots"});
    var tableBox = el("details", {class: "live-cnn-table"}, [el("summary", {text: "The shift plots as a table"})]);
    ["horizontal", "vertical"].forEach(function (axis) {
      var titleId = uid + "-plot-" + axis;
      var figure = svg("svg", {viewBox: "0 0 200 130", class: "live-cnn-plot", role: "img", "aria-labelledby": titleId});
      var title = svg("title", {id: titleId});
      title.textContent = "Probability of the class read at zero shift, against the " + axis +
        " shift; the table below gives the values.";
      figure.appendChild(title);
      plots[axis] = figure;
      plotBox.appendChild(el("figure", {class: "live-cnn-plot-figure"}, [figure,
        el("figcaption", {text: axis === "horizontal" ? "Shift right (\u2212 left), pixels" : "Shift down (\u2212 up), pixels"})]));
    });
    var legend = el("p", {class: "live-cnn-legend"}, [el("span", {class: "live-cnn-key-cnn", "aria-hidden": "true"}),
      " " + shortTitle(spec) + "   ", el("span", {class: "live-cnn-key-dense", "aria-hidden": "true"}),
      " " + (other ? shortTitle(other) : "")]);
    var shiftBox = el("section", {class: "live-cnn-shift", "aria-label": "Shift experiment"}, [
      el("h4", {text: "Shift the digit"}),
      el("div", {class: "live-cnn-buttons", role: "group", "aria-label": "Shift controls"},
         shiftButtons.concat([centre])),
      shiftText, plotBox, legend, tableBox]);

    /* the layers and the unit panel */
    var layerList = el("div", {class: "live-cnn-layers"});
    var panel = el("div", {class: "live-cnn-panel", role: "region", "aria-label": "The selected unit"});
    var panelStatus = el("p", {class: "live-cnn-panel-status", "aria-live": "polite",
      text: "Select a unit in any map to see how it was computed."});
    var figures = spec.layers.map(function (layer, i) {
      var canvas = el("canvas", {class: "live-cnn-map", role: "application", tabindex: "0",
        "aria-label": "Layer " + (i + 1) + ", " + layer.name + ", " + shapeText(layer.output) +
          ": select a unit with a click or tap, or with the arrow keys within a map and " +
          "Page Up or Page Down between maps."});
      var marker = el("span", {class: "live-cnn-marker", hidden: ""});
      var holder = el("span", {class: "live-cnn-map-box"}, [canvas, marker]);
      var caption = el("figcaption", {text: (i + 1) + ". " + layer.name + " (" + layer.type + "): " +
        shapeText(layer.output)});
      var figure = el("figure", {class: "live-cnn-layer"}, [caption, holder]);
      layerList.appendChild(figure);
      canvas.addEventListener("pointerdown", function (event) {
        if (!run) return;
        var r = canvas.getBoundingClientRect(), g = layout(layer.output);
        var cx = (event.clientX - r.left) * canvas.width / r.width, cy = (event.clientY - r.top) * canvas.height / r.height;
        var col = Math.min(g.cols - 1, Math.floor(cx / (g.W + g.gap))), row = Math.min(g.rows - 1, Math.floor(cy / (g.H + g.gap)));
        var x = Math.min(g.W - 1, Math.max(0, Math.floor(cx - col * (g.W + g.gap))));
        var y = Math.min(g.H - 1, Math.max(0, Math.floor(cy - row * (g.H + g.gap))));
        if (g.vector) { if (y * g.W + x < g.n) select(i, {index: y * g.W + x}); }
        else if (row * g.cols + col < g.C) select(i, {channel: row * g.cols + col, y: y, x: x});
      });
      canvas.addEventListener("keydown", function (event) { moveSelection(i, event); });
      canvas.addEventListener("focus", function () { if (run && (!selected || selected.layer !== i)) select(i, null); });
      return {canvas: canvas, marker: marker, figure: figure};
    });
    var layersBox = el("details", {class: "live-cnn-details", open: ""},
      [el("summary", {text: "Activations of every layer (orange positive, blue negative, " +
                             "each layer on its own scale); select a unit to see its arithmetic"}),
       panelStatus, layerList]);

    root.appendChild(el("div", {class: "live-cnn-top"}, [
      el("div", {class: "live-cnn-left"}, [pad,
        el("div", {class: "live-cnn-buttons", role: "group", "aria-label": "Drawing controls"},
           [undo, clear, example])]),
      el("div", {class: "live-cnn-right"}, [verdict, compareText,
        el("div", {class: "live-cnn-seen-box"}, [seen,
          el("span", {text: "what the networks see: 28 \u00d7 28, centred by mass, then shifted"})]),
        probs])]));
    if (other) root.appendChild(shiftBox);
    root.appendChild(layersBox);

    /* drawing */
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

    function best(p) { var b = 0; for (var k = 1; k < p.length; k++) if (p[k] > p[b]) b = k; return b; }

    /* the unit panel */
    function select(layerIndex, unit) {
      var layer = spec.layers[layerIndex], shape = layer.output;
      if (!unit) unit = shape.length === 3 ? {channel: 0, y: Math.floor(shape[0] / 2), x: Math.floor(shape[1] / 2)}
                                           : {index: 0};
      selected = {layer: layerIndex, unit: unit};
      showSelection();
    }

    function moveSelection(layerIndex, event) {
      var layer = spec.layers[layerIndex], shape = layer.output, g = layout(shape);
      if (!run) return;
      if (!selected || selected.layer !== layerIndex) select(layerIndex, null);
      var u = Object.assign({}, selected.unit), key = event.key;
      var moves = {ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0]};
      var maps = {PageUp: -1, PageDown: 1, "[": -1, "]": 1};
      if (moves[key]) {
        if (g.vector) u.index = Math.min(g.n - 1, Math.max(0, u.index + moves[key][1] + moves[key][0] * g.W));
        else { u.y = Math.min(g.H - 1, Math.max(0, u.y + moves[key][0])); u.x = Math.min(g.W - 1, Math.max(0, u.x + moves[key][1])); }
      } else if (key in maps) {
        if (g.vector) u.index = Math.min(g.n - 1, Math.max(0, u.index + maps[key]));
        else u.channel = (u.channel + maps[key] + g.C) % g.C;
      } else return;
      event.preventDefault();
      selected.unit = u;
      showSelection();
    }

    function describeUnit(layer, unit) {
      return layer.output.length === 3
        ? "map " + (unit.channel + 1) + " of " + layer.output[2] + ", row " + (unit.y + 1) + ", column " + (unit.x + 1)
        : "unit " + (unit.index + 1) + " of " + layer.output[0];
    }

    function showSelection() {
      figures.forEach(function (f) { f.marker.hidden = true; });
      if (!selected || !run) { panel.remove(); api.lastExplanation = null; return; }
      var index = selected.layer, layer = spec.layers[index], unit = selected.unit, g = layout(layer.output);
      var e = explain(spec, run, index, unit);
      api.lastExplanation = e;
      // the marker on the overview: the selected unit's cell
      var f = figures[index], col = g.vector ? 0 : unit.channel % g.cols, row = g.vector ? 0 : Math.floor(unit.channel / g.cols);
      var ux = g.vector ? unit.index % g.W : unit.x, uy = g.vector ? Math.floor(unit.index / g.W) : unit.y;
      f.marker.style.left = (100 * (col * (g.W + g.gap) + ux) / g.width) + "%";
      f.marker.style.top = (100 * (row * (g.H + g.gap) + uy) / g.height) + "%";
      f.marker.style.width = (100 / g.width) + "%";
      f.marker.style.height = (100 / g.height) + "%";
      f.marker.hidden = false;
      panelStatus.textContent = "Selected: layer " + (index + 1) + ", " + layer.name + ", " +
        describeUnit(layer, unit) + ": value " + fmt(e.value) + ".";
      renderPanel(e, layer);
      if (panel.previousSibling !== f.figure) f.figure.after(panel);
    }

    function renderPanel(e, layer) {
      panel.textContent = "";
      var unit = e.unit, g = layout(layer.output);
      panel.appendChild(el("h4", {text: "Layer " + (e.layer + 1) + ", " + e.name + " (" + e.type + "): " +
        describeUnit(layer, unit)}));
      var visuals = el("div", {class: "live-cnn-visuals"});
      // the map, enlarged: large cells to tap on a phone
      var cell = Math.max(6, Math.min(40, Math.floor(280 / Math.max(g.W, g.H))));
      var zoom = el("canvas", {class: "live-cnn-zoom", role: "application", tabindex: "0",
        "aria-label": "The selected map, enlarged: tap a unit, or use the arrow keys."});
      drawZoom(zoom, run.outputs[e.layer], layer.output, unit, cell);
      zoom.addEventListener("pointerdown", function (event) {
        var r = zoom.getBoundingClientRect();
        var x = Math.min(g.W - 1, Math.floor((event.clientX - r.left) * g.W / r.width));
        var y = Math.min(g.H - 1, Math.floor((event.clientY - r.top) * g.H / r.height));
        if (g.vector) { if (y * g.W + x < g.n) selected.unit = {index: y * g.W + x}; }
        else selected.unit = {channel: unit.channel, y: y, x: x};
        showSelection();
        panel.querySelector(".live-cnn-zoom").focus();
      });
      zoom.addEventListener("keydown", function (event) {
        moveSelection(e.layer, event);
        var z = panel.querySelector(".live-cnn-zoom"); if (z) z.focus();
      });
      var field = el("canvas", {class: "live-cnn-field", role: "img",
        "aria-label": "Receptive field on the input: rows " + (e.field[0] + 1) + " to " + (e.field[1] + 1) +
          ", columns " + (e.field[2] + 1) + " to " + (e.field[3] + 1) + " of 28."});
      drawInput(field, api.lastInput, 5, e.field);
      visuals.appendChild(el("figure", {}, [zoom, el("figcaption", {text: g.vector ? "the layer's units" : "map " + (unit.channel + 1)})]));
      visuals.appendChild(el("figure", {}, [field, el("figcaption", {text: "receptive field: rows " + (e.field[0] + 1) + "\u2013" +
        (e.field[1] + 1) + ", columns " + (e.field[2] + 1) + "\u2013" + (e.field[3] + 1)})]));
      panel.appendChild(visuals);
      var body = el("div", {class: "live-cnn-arithmetic"});
      panel.appendChild(body);
      if (e.type === "Conv2D") {
        var order = e.channels.slice().sort(function (a, b) { return Math.abs(b.sum) - Math.abs(a.sum); });
        var shown = order.slice(0, Math.min(4, order.length)), restSum = 0;
        order.slice(shown.length).forEach(function (c) { restSum += c.sum; });
        body.appendChild(el("p", {text: "Each input channel's " + shapeText(layer.kernel_size) + " window times this map's kernel for it" +
          (e.channels.length > shown.length ? ", the " + shown.length + " channels that contribute most:" : ":")}));
        shown.forEach(function (c) {
          body.appendChild(el("div", {class: "live-cnn-channel"}, [
            grid("input, channel " + (c.channel + 1), c.window), el("span", {class: "live-cnn-op", text: "\u00d7"}),
            grid("kernel", c.kernel), el("span", {class: "live-cnn-op", text: "="}),
            grid("products", c.products), el("span", {class: "live-cnn-op", text: "sum " + fmt(c.sum)})]));
        });
        var lines = [];
        if (e.channels.length > shown.length)
          lines.push("The other " + (e.channels.length - shown.length) + " channels add " + fmt(restSum) + ".");
        lines.push("Sum of all " + e.channels.length * layer.kernel_size[0] * layer.kernel_size[1] +
          " products: " + fmt(e.sumOfProducts) + "; plus the bias " + fmt(e.bias) + ": " + fmt(e.total) + ".");
        afterLines(e, lines);
        lines.forEach(function (t) { body.appendChild(el("p", {class: "live-cnn-line", text: t})); });
        if (e.channels.length > shown.length) {
          var all = el("details", {}, [el("summary", {text: "Every channel's sum of products"})]);
          var table = el("table", {class: "live-cnn-list"}, [el("thead", {}, [el("tr", {}, [
            el("th", {scope: "col", text: "channel"}), el("th", {scope: "col", text: "sum of products"})])])]);
          var tbody = el("tbody");
          e.channels.forEach(function (c) {
            tbody.appendChild(el("tr", {}, [el("td", {text: String(c.channel + 1)}), el("td", {text: fmt(c.sum)})]));
          });
          table.appendChild(tbody); all.appendChild(table); body.appendChild(all);
        }
      } else if (e.type === "Dense") {
        var t = el("table", {class: "live-cnn-list"}, [el("caption", {text: "Largest contributions"}),
          el("thead", {}, [el("tr", {}, ["input", "value", "weight", "product"].map(function (h) {
            return el("th", {scope: "col", text: h}); }))])]);
        var tb = el("tbody");
        e.top.forEach(function (term) {
          tb.appendChild(el("tr", {}, [String(term.input + 1), fmt(term.x), fmt(term.w), fmt(term.product)]
            .map(function (v) { return el("td", {text: v}); })));
        });
        t.appendChild(tb); body.appendChild(t);
        var dl = ["The other " + e.restCount + " inputs add " + fmt(e.rest) + "; all " + (e.restCount + e.top.length) +
          " products sum to " + fmt(e.sumOfProducts) + "; plus the bias " + fmt(e.bias) + ": " + fmt(e.total) + "."];
        if (e.activation === "softmax") dl.push("The softmax over all " + layer.output[0] + " units turns this into " + fmt(e.value) + ".");
        else if (e.activation === "relu") dl.push("After ReLU: " + fmt(e.value) + ".");
        afterLines(e, dl);
        dl.forEach(function (x) { body.appendChild(el("p", {class: "live-cnn-line", text: x})); });
      } else if (e.type === "MaxPooling2D") {
        body.appendChild(el("div", {class: "live-cnn-channel"}, [grid("window, map " + (unit.channel + 1) + " of the layer before",
          e.window, e.chosen)]));
        body.appendChild(el("p", {class: "live-cnn-line", text: "The maximum of the window: " + fmt(e.value) + "."}));
      } else if (e.type === "BatchNormalization") {
        body.appendChild(el("p", {class: "live-cnn-line", text: "(" + fmt(e.input) + " \u2212 " + fmt(e.mean) + ") / \u221a(" +
          fmt(e.variance) + " + " + fmt(e.epsilon) + ") \u00d7 " + fmt(e.gamma) + " + " + fmt(e.beta) + " = " + fmt(e.value) +
          " (input, moving mean, moving variance, \u03b5, \u03b3, \u03b2)."}));
      } else if (e.type === "Activation") {
        body.appendChild(el("p", {class: "live-cnn-line", text: e.activation === "relu"
          ? "ReLU: max(0, " + fmt(e.input) + ") = " + fmt(e.value) + "."
          : e.activation === "softmax" ? "Softmax: exp(" + fmt(e.input) + ") over the sum of all " + layer.output[0] +
            " exponentials = " + fmt(e.value) + "." : fmt(e.input) + " passes unchanged."}));
      } else if (e.type === "Flatten") {
        body.appendChild(el("p", {class: "live-cnn-line", text: "Row " + (e.source.y + 1) + ", column " + (e.source.x + 1) +
          " of map " + (e.source.channel + 1) + " of the layer before: " + fmt(e.value) + "."}));
      } else {
        body.appendChild(el("p", {class: "live-cnn-line", text: "Dropout passes values unchanged at prediction: " + fmt(e.value) + "."}));
      }
    }

    function afterLines(e, lines) {
      e.after.forEach(function (step) {
        lines.push(step.type === "BatchNormalization" ? "After batch normalisation (" + step.name + "): " + fmt(step.value) + "."
          : step.type === "Activation" ? "After " + (step.activation === "relu" ? "ReLU" : step.activation) + " (" + step.name + "): " + fmt(step.value) + "."
          : "After dropout (" + step.name + ", inactive at prediction): " + fmt(step.value) + ".");
      });
    }

    /* the shift experiment's plots */
    function drawPlot(axis) {
      var figure = plots[axis], c = api.lastCurves;
      while (figure.childNodes.length > 1) figure.removeChild(figure.lastChild);
      var L = 30, R = 194, T = 6, B = 112;
      function X(s) { return L + (s + MAX_SHIFT) * (R - L) / (2 * MAX_SHIFT); }
      function Y(p) { return B - p * (B - T); }
      var g = svg("g", {class: "live-cnn-axes"});
      [0, 0.5, 1].forEach(function (p) {
        g.appendChild(svg("line", {x1: L, x2: R, y1: Y(p), y2: Y(p), class: "live-cnn-gridline"}));
        var label = svg("text", {x: L - 3, y: Y(p) + 3, "text-anchor": "end"}); label.textContent = String(p);
        g.appendChild(label);
      });
      [-6, -3, 0, 3, 6].forEach(function (s) {
        var label = svg("text", {x: X(s), y: B + 12, "text-anchor": "middle"}); label.textContent = signed(s);
        g.appendChild(label);
      });
      var now = axis === "horizontal" ? shift.dx : shift.dy;
      g.appendChild(svg("line", {x1: X(now), x2: X(now), y1: T, y2: B, class: "live-cnn-now"}));
      figure.appendChild(g);
      if (!c) return;
      [["cnn", "live-cnn-line-cnn"], ["dense", "live-cnn-line-dense"]].forEach(function (series) {
        var values = c[axis][series[0]];
        var points = values.map(function (p, i) { return X(c.offsets[i]) + "," + Y(p).toFixed(1); }).join(" ");
        figure.appendChild(svg("polyline", {points: points, class: series[1]}));
        values.forEach(function (p, i) {
          figure.appendChild(svg("circle", {cx: X(c.offsets[i]), cy: Y(p).toFixed(1), r: 1.8, class: series[1]}));
        });
      });
    }

    function drawTable() {
      var c = api.lastCurves;
      while (tableBox.childNodes.length > 1) tableBox.removeChild(tableBox.lastChild);
      if (!c) return;
      var name = shortTitle(spec), otherName = shortTitle(other);
      var table = el("table", {class: "live-cnn-list"}, [el("caption", {text: "Probability of the class each network reads " +
        "at zero shift (" + name + ": " + spec.classes[c.cnnClass] + ", " + otherName + ": " + other.classes[c.denseClass] + ")"})]);
      table.appendChild(el("thead", {}, [el("tr", {}, ["shift (pixels)", name + ", right", otherName + ", right",
        name + ", down", otherName + ", down"].map(function (h) { return el("th", {scope: "col", text: h}); }))]));
      var tbody = el("tbody");
      c.offsets.forEach(function (s, i) {
        tbody.appendChild(el("tr", {}, [el("th", {scope: "row", text: signed(s)})].concat(
          [c.horizontal.cnn[i], c.horizontal.dense[i], c.vertical.cnn[i], c.vertical.dense[i]].map(function (p) {
            return el("td", {text: percent(p)}); }))));
      });
      table.appendChild(tbody);
      // a narrow screen scrolls the table in its own box, which the keyboard can reach
      tableBox.appendChild(el("div", {class: "live-cnn-scroll", tabindex: "0", role: "region",
                                      "aria-label": "The shift plots as a table"}, [table]));
    }

    // Both networks at every offset of the centred digit, one offset per task so the page stays
    // responsive; a newer digit cancels an older computation.
    function computeCurves() {
      var mine = ++curveRun;
      api.lastCurves = null;
      drawPlot("horizontal"); drawPlot("vertical"); drawTable();
      if (!centred || !other) return;
      var source = centred, offsets = [], curves = {offsets: offsets, horizontal: {cnn: [], dense: []},
                                                    vertical: {cnn: [], dense: []}};
      for (var s = -MAX_SHIFT; s <= MAX_SHIFT; s++) offsets.push(s);
      var zeroCnn = forward(spec, standardise(spec, source)).outputs, zeroDense = forward(other, standardise(other, source)).outputs;
      curves.cnnClass = best(zeroCnn[zeroCnn.length - 1]); curves.denseClass = best(zeroDense[zeroDense.length - 1]);
      var tasks = [];
      ["horizontal", "vertical"].forEach(function (axis) {
        offsets.forEach(function (s) { tasks.push([axis, s]); });
      });
      function step() {
        if (mine !== curveRun) return;
        var task = tasks.shift(), axis = task[0], s = task[1];
        var moved = axis === "horizontal" ? shiftPixels(source, s, 0) : shiftPixels(source, 0, s);
        var a = forward(spec, standardise(spec, moved)).outputs, b = forward(other, standardise(other, moved)).outputs;
        curves[axis].cnn.push(a[a.length - 1][curves.cnnClass]);
        curves[axis].dense.push(b[b.length - 1][curves.denseClass]);
        if (tasks.length) { window.setTimeout(step, 0); return; }
        api.lastCurves = curves;
        drawPlot("horizontal"); drawPlot("vertical"); drawTable();
        root.dispatchEvent(new CustomEvent("live-cnn-curves", {bubbles: true}));
      }
      window.setTimeout(step, 0);
    }

    function setShift(dx, dy) {
      dx = Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, dx)); dy = Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, dy));
      if (dx === shift.dx && dy === shift.dy) return;
      shift = {dx: dx, dy: dy}; api.shift = shift;
      show();
    }

    function show() {
      var pixels = centred ? shiftPixels(centred, shift.dx, shift.dy) : null;
      api.lastInput = pixels ? Array.from(pixels) : null;
      api.lastCentred = centred ? Array.from(centred) : null;
      drawInput(seen, pixels, 4, null);
      shiftText.textContent = "Shift: " + (shift.dx || shift.dy
        ? Math.abs(shift.dx) + " px " + (shift.dx < 0 ? "left" : "right") + ", " + Math.abs(shift.dy) + " px " + (shift.dy < 0 ? "up" : "down") + "."
        : "none.");
      if (other) { drawPlot("horizontal"); drawPlot("vertical"); }
      if (!pixels) {
        run = null;
        api.lastProbabilities = null; api.lastCompareProbabilities = null; api.lastActivations = null;
        verdict.textContent = "Draw a digit in the box."; compareText.textContent = "";
        bars.forEach(function (b) { b[0].style.width = "0"; b[1].textContent = "\u2013"; });
        figures.forEach(function (f) { f.canvas.getContext("2d").clearRect(0, 0, f.canvas.width, f.canvas.height); });
        showSelection();
        return;
      }
      run = forward(spec, standardise(spec, pixels));
      var p = run.outputs[run.outputs.length - 1], top = best(p);
      api.lastActivations = run.outputs; api.lastProbabilities = Array.from(p);
      verdict.textContent = shortTitle(spec) + " reads " + spec.classes[top] + ", with probability " + percent(p[top]) + ".";
      if (other) {
        var q = forward(other, standardise(other, pixels)).outputs, pq = q[q.length - 1], topq = best(pq);
        api.lastCompareProbabilities = Array.from(pq);
        compareText.textContent = shortTitle(other) + " reads " + other.classes[topq] +
          ", with probability " + percent(pq[topq]) + ".";
      }
      bars.forEach(function (b, k) {
        b[0].style.width = (100 * p[k]).toFixed(1) + "%";
        b[1].textContent = percent(p[k]);
        b[0].parentNode.parentNode.classList.toggle("live-cnn-best", k === top);
      });
      figures.forEach(function (f, i) { drawMaps(f.canvas, run.outputs[i], spec.layers[i].output); });
      showSelection();
      root.dispatchEvent(new CustomEvent("live-cnn-prediction", {bubbles: true}));
    }

    function setCentred(pixels) {
      centred = pixels;
      show();
      computeCurves();
    }

    function classify() {
      pending = false;
      var data = ctx.getImageData(0, 0, SIZE, SIZE).data, ink = new Float32Array(SIZE * SIZE);
      for (var i = 0; i < ink.length; i++) ink[i] = data[4 * i] / 255;
      setCentred(strokes.length ? toMnist(ink, SIZE) : null);
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

    // the shift by keyboard (on the pad or the input view) and by dragging the input view
    function shiftKeys(event) {
      var moves = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
      if (!other || !moves[event.key]) return;
      event.preventDefault();
      setShift(shift.dx + moves[event.key][0], shift.dy + moves[event.key][1]);
    }
    pad.addEventListener("keydown", shiftKeys);
    seen.addEventListener("keydown", shiftKeys);
    var drag = null;
    seen.addEventListener("pointerdown", function (event) {
      if (!other) return;
      event.preventDefault();
      seen.setPointerCapture && seen.setPointerCapture(event.pointerId);
      drag = {x: event.clientX, y: event.clientY, dx: shift.dx, dy: shift.dy};
    });
    seen.addEventListener("pointermove", function (event) {
      if (!drag) return;
      event.preventDefault();
      var r = seen.getBoundingClientRect(), cell = r.width / SIDE;
      setShift(drag.dx + Math.round((event.clientX - drag.x) / cell), drag.dy + Math.round((event.clientY - drag.y) / cell));
    });
    function endDrag() { drag = null; }
    seen.addEventListener("pointerup", endDrag);
    seen.addEventListener("pointercancel", endDrag);

    undo.addEventListener("click", function () { strokes.pop(); redraw(); classify(); });
    clear.addEventListener("click", function () { strokes = []; redraw(); shift = {dx: 0, dy: 0}; api.shift = shift; classify(); });
    example.addEventListener("click", function () {
      if (!spec.examples.length) return;
      var bin = atob(spec.examples[exampleIndex++ % spec.examples.length]), pixels = new Float32Array(SIDE * SIDE);
      for (var i = 0; i < SIDE * SIDE; i++) pixels[i] = bin.charCodeAt(i);
      strokes = []; redraw();
      drawInput(seen, pixels, 4, null);                  // show it enlarged on the pad
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(seen, 0, 0, SIZE, SIZE);
      setCentred(pixels);
    });

    var api = window.liveCnn = window.liveCnn || {};
    api.spec = spec; api.compare = other || null; api.lastInput = null; api.lastProbabilities = null;
    api.lastCompareProbabilities = null; api.lastExplanation = null; api.lastCurves = null; api.shift = shift;
    api.predictPixels = function (pixels) { return forward(spec, standardise(spec, pixels)).outputs; };
    api.setShift = setShift;
    api.toMnist = toMnist;
    redraw(); show();
    root.classList.add("live-cnn-ready");
  }

  function load(name, done, fail) {
    if (window.liveCnnModels[name]) return done(window.liveCnnModels[name]);
    var tag = el("script", {src: new URL(name + ".js", base).href});
    tag.onload = function () {
      if (window.liveCnnModels[name]) done(window.liveCnnModels[name]);
      else fail("The model file holds no model named " + name + ".");
    };
    tag.onerror = function () { fail("The model file was not found: this build did not export " + name + "."); };
    document.head.appendChild(tag);
  }

  function start(root) {
    var name = root.getAttribute("data-model"), compare = root.getAttribute("data-compare");
    var status = el("p", {class: "live-cnn-status", role: "status", text: "Loading the model\u2026"});
    root.appendChild(status);
    function fail(message) { status.textContent = message; }
    load(name, function (model) {
      function ready(other) {
        status.remove();
        try { build(root, prepare(model), other ? prepare(other) : null); }
        catch (error) { root.appendChild(el("p", {class: "live-cnn-status", text: "The live CNN failed: " + error})); }
      }
      if (compare) load(compare, ready, fail); else ready(null);
    }, fail);
  }

  function init() { document.querySelectorAll(".live-cnn[data-model]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
