// glassnet playground: the page.  Vanilla JavaScript and <canvas>; no framework, nothing downloaded.
// The server trains (glassnet on NumPy) and streams frames over Server-Sent Events; this file draws them.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
  const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
  const MOMENTA = [0, 0.5, 0.9, 0.95, 0.99];
  const SPEEDS = [1, 2, 5, 10, 20, 50];
  const NODE = 34, GAP = 12, TOP = 62;

  const state = {
    options: null, params: null, sessionId: null, es: null, info: null, frame: null, decoded: null,
    history: [], selection: null, layout: null, needsRender: false, framesReceived: 0,
    lastNotice: null, busy: false,
  };
  window.playground = state;   // for the curious (and the browser test)

  // ------------------------------------------------------------------ helpers
  function rgbOf(t) {
    t = Math.max(-1, Math.min(1, t || 0));
    const [a, b, s] = t < 0 ? [MID, NEG, -t] : [MID, POS, t];
    return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[2] + (b[2] - a[2]) * s];
  }
  function css(t, alpha) {
    const c = rgbOf(t);
    return `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${alpha === undefined ? 1 : alpha})`;
  }
  const lutCache = new Map();
  function lut(lo, hi, discretize) {   // byte u = 0..255 (a value in [lo, hi]) -> RGB; lo orange, hi blue
    const key = `${lo}:${hi}:${discretize}`;
    if (lutCache.has(key)) return lutCache.get(key);
    const table = new Uint8ClampedArray(256 * 3);
    for (let u = 0; u < 256; u++) {
      let t = (u / 255) * 2 - 1;
      if (discretize) t = u > 127.5 ? 1 : -1;
      const c = rgbOf(t);
      table[3 * u] = c[0]; table[3 * u + 1] = c[1]; table[3 * u + 2] = c[2];
    }
    lutCache.set(key, table);
    return table;
  }
  function b64bytes(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64f32(s) {
    if (!s) return null;
    const b = b64bytes(s);
    return new Float32Array(b.buffer, 0, b.length >> 2);
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
    digits = digits || 4;
    if (v === 0) return '0';
    const a = Math.abs(v);
    let s = (a >= 1e-3 && a < 1e5) ? Number(v.toPrecision(digits)).toString() : v.toExponential(digits - 1);
    return s.replace('-', '−');
  }
  function fmtLoss(v) { return v === null || v === undefined ? '–' : v.toFixed(3); }
  function setupCanvas(canvas, w, h) {
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k in e && k !== 'list') e[k] = v; else e.setAttribute(k, v);
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ------------------------------------------------------------------ messages
  function showMessage(text, kind) {
    const box = $('message');
    box.className = 'message' + (kind === 'warning' ? ' warning' : '');
    $('message-text').textContent = text;
    box.hidden = false;
  }
  function hideMessage() { $('message').hidden = true; }
  function setStatus(text) { $('status').textContent = text; }

  // ------------------------------------------------------------------ server calls
  // The server's per-start secret, written into the page it served: every request that changes
  // something carries it, so that other web sites (which cannot read this page) cannot.
  const TOKEN = (document.querySelector('meta[name="glassnet-token"]') || {}).content || '';
  const authHeaders = (extra) => Object.assign({ 'X-Glassnet-Token': TOKEN }, extra || {});
  async function api(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method, headers: authHeaders(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      const e = new Error(`Cannot reach the playground server (${err.message}). Is it still running?`);
      showMessage(e.message);
      throw e;
    }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) {
      const e = new Error((data && data.error) || `${response.status} ${response.statusText}`);
      e.status = response.status;
      showMessage(e.message);
      throw e;
    }
    return data;
  }
  const sessionPath = (action) => `/api/sessions/${state.sessionId}` + (action ? `/${action}` : '');

  // Changes go to the server one at a time; a change given as a function is computed from the
  // parameters in force when its turn comes (two quick clicks on "+" add two neurons).
  let configureQueue = Promise.resolve();
  function configure(changes) {
    configureQueue = configureQueue.then(async () => {
      if (!state.sessionId) return;
      try {
        const body = typeof changes === 'function' ? changes(state.params) : changes;
        const res = await api('POST', sessionPath('config'), body);
        state.params = res.params;
        hideMessage();
      } catch (err) {
        /* the message is shown; the controls go back to what the server runs */
      }
      syncControls();
    });
    return configureQueue;
  }
  window.playground.configure = configure;

  // ------------------------------------------------------------------ controls
  function fillSelect(id, values, label) {
    const s = $(id);
    s.innerHTML = '';
    for (const v of values) {
      const key = typeof v === 'object' ? v.key : v;
      const text = typeof v === 'object' ? v.label : (label ? label(v) : String(v));
      s.appendChild(el('option', { value: String(key) }, text));
    }
  }
  function selectValue(id, value) {
    const s = $(id);
    const text = String(value);
    if (![...s.options].some((o) => o.value === text)) s.appendChild(el('option', { value: text }, text));
    s.value = text;
  }

  function buildControls() {
    const o = state.options;
    fillSelect('learning_rate', LEARNING_RATES);
    fillSelect('activation', o.activations, (a) => ({ relu: 'ReLU', tanh: 'Tanh', sigmoid: 'Sigmoid',
      step: 'Step', linear: 'Linear', leaky_relu: 'Leaky ReLU', elu: 'ELU', selu: 'SELU', gelu: 'GELU',
      relu6: 'ReLU6', swish: 'Swish', softplus: 'Softplus', softsign: 'Softsign', mish: 'Mish',
      hard_sigmoid: 'Hard sigmoid' }[a] || a));
    fillSelect('optimizer', o.optimizers);
    fillSelect('momentum', MOMENTA);
    fillSelect('regularization', o.regularizations, (r) => ({ none: 'None', l1: 'L1', l2: 'L2' }[r]));
    fillSelect('regularization_rate', REG_RATES);
    fillSelect('dropout', DROPOUTS);
    fillSelect('epochs_per_update', SPEEDS);
    for (const id of ['learning_rate', 'momentum', 'regularization_rate', 'dropout']) {
      $(id).addEventListener('change', () => configure({ [id]: Number($(id).value) }));
    }
    $('epochs_per_update').addEventListener('change', () =>
      configure({ epochs_per_update: Number($('epochs_per_update').value) }));
    for (const id of ['activation', 'optimizer', 'regularization']) {
      $(id).addEventListener('change', () => {
        const changes = { [id]: $(id).value };
        if (id === 'regularization' && $(id).value !== 'none' && state.params.regularization_rate === 0) {
          changes.regularization_rate = 0.001;
        }
        configure(changes);
      });
    }
    // data sets
    const box = $('datasets');
    for (const d of o.datasets) {
      const b = el('button', { class: 'dataset', id: `dataset-${d.key}`, title: d.label, type: 'button' });
      b.dataset.key = d.key;
      const c = el('canvas');
      b.appendChild(c);
      b.appendChild(el('span', {}, d.label));
      box.appendChild(b);
      drawDatasetIcon(c, d.key);
      b.addEventListener('click', () => configure({ dataset: d.key }));
    }
    // sliders
    const sliders = {
      train_ratio: [(v) => v / 100, (p) => Math.round(p * 100), (v) => `${v}%`],
      noise: [(v) => v / 100, (p) => Math.round(p * 100), (v) => (v / 100).toFixed(2)],
      n_samples: [(v) => v, (p) => p, (v) => String(v)],
      batch_size: [(v) => v, (p) => p, (v) => String(v)],
    };
    for (const [id, [toParam, , show]] of Object.entries(sliders)) {
      const s = $(id);
      s.addEventListener('input', () => { $(id + '-value').textContent = show(Number(s.value)); });
      s.addEventListener('change', () => configure({ [id]: toParam(Number(s.value)) }));
    }
    state.sliders = sliders;
    $('seed').addEventListener('change', () => {
      const v = Number($('seed').value);
      configure({ seed: Number.isFinite(v) ? v : $('seed').value });
    });
    $('regenerate').addEventListener('click', () => configure((p) => ({ seed: (p.seed + 1) % 2147483647 })));
    // features
    const fbox = $('features');
    for (const f of o.features) {
      const id = `feature-${f.key}`;
      const label = el('label', { title: f.expression });
      const cb = el('input', { type: 'checkbox', id });
      cb.dataset.key = f.key;
      cb.addEventListener('change', () => {
        const keys = [...fbox.querySelectorAll('input:checked')].map((x) => x.dataset.key);
        configure({ features: keys });
      });
      label.appendChild(cb);
      label.appendChild(document.createTextNode(f.label));
      fbox.appendChild(label);
    }
    // network shape
    $('add-layer').addEventListener('click', () => configure((p) => {
      const h = p.hidden.slice();
      h.push(h.length ? h[h.length - 1] : 4);
      return { hidden: h };
    }));
    $('remove-layer').addEventListener('click', () => configure((p) => ({ hidden: p.hidden.slice(0, -1) })));
    // player
    $('play').addEventListener('click', togglePlay);
    $('step').addEventListener('click', () => action('step'));
    $('reset').addEventListener('click', () => action('reset'));
    $('explain').addEventListener('click', explain);
    $('explain-close').addEventListener('click', () => { $('explain-panel').hidden = true; });
    $('message-close').addEventListener('click', hideMessage);
    $('show-test').addEventListener('change', () => { state.needsRender = true; });
    $('discretize').addEventListener('change', () => { state.needsRender = true; });
    $('export-png').addEventListener('click', exportPng);
    for (const id of ['export-keras', 'export-code']) $(id).addEventListener('click', exportFile);
    $('network').addEventListener('click', onNetworkClick);
    document.addEventListener('keydown', (e) => {
      if (e.code === 'Space' && !['INPUT', 'SELECT', 'BUTTON', 'TEXTAREA'].includes(document.activeElement.tagName)) {
        e.preventDefault();
        togglePlay();
      }
    });
  }

  function syncControls() {
    const p = state.params;
    if (!p) return;
    selectValue('learning_rate', p.learning_rate);
    selectValue('activation', p.activation);
    selectValue('optimizer', p.optimizer);
    selectValue('momentum', p.momentum);
    selectValue('regularization', p.regularization);
    selectValue('regularization_rate', p.regularization_rate);
    selectValue('dropout', p.dropout);
    selectValue('epochs_per_update', p.epochs_per_update);
    $('momentum-field').style.display = p.optimizer === 'sgd' ? '' : 'none';
    $('regularization_rate').disabled = p.regularization === 'none';
    for (const [id, [, fromParam, show]] of Object.entries(state.sliders)) {
      $(id).value = fromParam(p[id]);
      $(id + '-value').textContent = show(fromParam(p[id]));
    }
    $('seed').value = p.seed;
    for (const b of document.querySelectorAll('.dataset')) b.classList.toggle('selected', b.dataset.key === p.dataset);
    for (const cb of document.querySelectorAll('#features input')) cb.checked = p.features.includes(cb.dataset.key);
    const lim = state.options.limits;
    $('add-layer').disabled = p.hidden.length >= lim.max_hidden_layers;
    $('remove-layer').disabled = p.hidden.length === 0;
    const n = p.hidden.length;
    $('layer-count').textContent = `${n} hidden layer${n === 1 ? '' : 's'}`;
    const dataset = state.options.datasets.find((d) => d.key === p.dataset);
    $('problem').textContent = dataset ? dataset.problem : '';
  }

  function drawDatasetIcon(canvas, key) {
    const ctx = setupCanvas(canvas, 56, 56);
    let seed = 7;
    const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-9)) * Math.cos(2 * Math.PI * rnd());
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 56, 56);
    const dot = (x, y, cls) => {   // x, y in [-1, 1]
      ctx.fillStyle = typeof cls === 'number' && cls !== 0 && cls !== 1 ? css(cls) : (cls ? css(1) : css(-1));
      ctx.beginPath(); ctx.arc(28 + x * 24, 28 - y * 24, 1.6, 0, 2 * Math.PI); ctx.fill();
    };
    for (let i = 0; i < 90; i++) {
      const k = i % 2;
      if (key === 'circles') {
        const a = rnd() * 2 * Math.PI, r = (k ? 0.45 : 0.95) + 0.06 * gauss();
        dot(r * Math.cos(a), r * Math.sin(a), k);
      } else if (key === 'xor') {
        const x = rnd() * 2 - 1, y = rnd() * 2 - 1;
        dot(x, y, x * y < 0 ? 1 : 0);
      } else if (key === 'blobs') {
        dot((k ? 0.55 : -0.55) + 0.22 * gauss(), (k ? 0.45 : -0.45) + 0.22 * gauss(), k);
      } else if (key === 'spirals') {
        const t = rnd(), a = t * 1.75 * 2 * Math.PI + Math.PI * k, r = 0.1 + 0.85 * t;
        dot(r * Math.cos(a), r * Math.sin(a), k);
      } else {
        const x = rnd() * 2 - 1, y = rnd() * 2 - 1;
        dot(x, y, Math.sin(Math.PI * x) * Math.cos(Math.PI * y) * 0.999 || 0.001);
      }
    }
  }

  // ------------------------------------------------------------------ session and stream
  async function createSession() {
    const res = await api('POST', '/api/sessions', state.params || {});
    state.sessionId = res.id;
    state.params = res.params;
    state.history = [];
    $('export-keras').href = sessionPath('export/model.keras');
    $('export-code').href = sessionPath('export/code.py');
    syncControls();
    connect();
  }

  function connect() {
    if (state.es) state.es.close();
    const es = new EventSource(sessionPath('events'));
    state.es = es;
    es.addEventListener('open', () => setStatus(`connected · session ${state.sessionId}`));
    es.addEventListener('session', (e) => onInfo(JSON.parse(e.data)));
    es.addEventListener('history', (e) => {
      const h = JSON.parse(e.data);
      if (h.reset) state.history = h.points; else state.history.push(...h.points);
      state.needsRender = true;
    });
    es.addEventListener('frame', (e) => onFrame(JSON.parse(e.data)));
    es.addEventListener('closed', (e) => {
      es.close();
      const reason = JSON.parse(e.data).reason;
      showMessage(`The session ended (${reason}). Reload the page to start again.`, 'warning');
      setStatus('disconnected');
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        showMessage('Lost the connection to the playground server. Reload the page when it runs again.');
        setStatus('disconnected');
      } else {
        setStatus('reconnecting…');
      }
    });
  }

  function onInfo(info) {
    state.info = info;
    state.params = info.params;
    state.frame = null;
    state.decoded = null;
    if (state.selection && !selectionValid(state.selection)) state.selection = null;
    syncControls();
    layoutNetwork();
    updateLegend();
    state.needsRender = true;
  }

  function onFrame(frame) {
    if (!state.info || frame.build !== state.info.build) return;
    state.frame = frame;
    state.framesReceived += 1;
    state.decoded = frame.layers.map((l) => ({
      W: b64f32(l.W), b: b64f32(l.b), dW: b64f32(l.dW), db: b64f32(l.db), uW: b64f32(l.uW), ub: b64f32(l.ub),
    }));
    $('epoch').textContent = String(frame.epoch).padStart(6, '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    $('test-loss').textContent = fmtLoss(frame.test_loss);
    $('train-loss').textContent = fmtLoss(frame.train_loss);
    $('accuracy').textContent = frame.test_accuracy === undefined ? '' :
      `accuracy: test ${(100 * frame.test_accuracy).toFixed(1)}%, training ${(100 * frame.train_accuracy).toFixed(1)}%`;
    const play = $('play');
    play.classList.toggle('running', frame.running);
    setPlayIcon(frame.running);
    play.setAttribute('aria-label', frame.running ? 'pause' : 'play');
    if (frame.notice && frame.notice !== state.lastNotice) showMessage(frame.notice, 'warning');
    state.lastNotice = frame.notice;
    setStatus(`connected · session ${state.sessionId} · ${frame.ups || 0} updates/s`);
    state.needsRender = true;
    updateDetails();
  }

  const ICONS = {
    play: '<svg viewBox="0 0 24 24" width="22" height="22"><path d="M8 5l11 7-11 7z" fill="currentColor"/></svg>',
    pause: '<svg viewBox="0 0 24 24" width="22" height="22"><path d="M7 5h4v14H7zM13 5h4v14h-4z" fill="currentColor"/></svg>',
  };
  function setPlayIcon(running) {
    const play = $('play');
    const want = running ? 'pause' : 'play';
    if (play.dataset.icon !== want) { play.innerHTML = ICONS[want]; play.dataset.icon = want; }
  }

  async function togglePlay() {
    if (!state.sessionId) return;
    const running = state.frame && state.frame.running;
    try { await api('POST', sessionPath(running ? 'pause' : 'play')); } catch (err) { /* shown */ }
  }
  async function action(name) {
    try { await api('POST', sessionPath(name)); } catch (err) { /* shown */ }
  }

  // ------------------------------------------------------------------ rendering
  function render() {
    if (state.needsRender && state.info) {
      state.needsRender = false;
      drawBoundary();
      drawNetwork();
      drawLoss();
    }
    requestAnimationFrame(render);
  }

  const offscreen = new Map();
  function mapCanvas(key, res, bytes, offset, lo, hi, discretize) {
    let c = offscreen.get(key);
    if (!c || c.width !== res) {
      c = document.createElement('canvas');
      c.width = res; c.height = res;
      offscreen.set(key, c);
    }
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(res, res);
    const table = lut(lo, hi, discretize);
    for (let i = 0; i < res * res; i++) {
      const u = bytes[offset + i];
      img.data[4 * i] = table[3 * u]; img.data[4 * i + 1] = table[3 * u + 1];
      img.data[4 * i + 2] = table[3 * u + 2]; img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return c;
  }

  const BOUNDARY = 340;
  function drawBoundary() {
    const canvas = $('boundary');
    const ctx = canvas._ctx || (canvas._ctx = setupCanvas(canvas, BOUNDARY, BOUNDARY));
    const info = state.info, frame = state.frame;
    ctx.clearRect(0, 0, BOUNDARY, BOUNDARY);
    if (frame) {
      const [lo, hi] = info.out_range;
      const img = mapCanvas('out', info.out_res, b64bytes(frame.out), 0, lo, hi,
        $('discretize').checked && info.problem === 'classification');
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(img, 0, 0, BOUNDARY, BOUNDARY);
    }
    const E = info.extent;
    const px = (x) => (x + E) / (2 * E) * BOUNDARY, py = (y) => (E - y) / (2 * E) * BOUNDARY;
    // axes ticks
    ctx.fillStyle = 'rgba(0,0,0,.45)';
    ctx.font = '10px system-ui, sans-serif';
    for (const t of [-E, -E / 2, 0, E / 2, E]) {
      ctx.fillRect(px(t) - 0.5, BOUNDARY - 4, 1, 4);
      ctx.fillRect(0, py(t) - 0.5, 4, 1);
    }
    ctx.fillText(`x\u2081 \u2208 [${-E}, ${E}]`, BOUNDARY - 78, BOUNDARY - 7);
    ctx.fillText(`x\u2082`, 7, 12);
    const classification = info.problem === 'classification';
    const r = Math.max(Math.abs(info.out_range[0]), Math.abs(info.out_range[1]));
    const drawPoints = (points, stroke) => {
      for (const [x, y, t] of points) {
        ctx.beginPath();
        ctx.arc(px(x), py(y), 3.2, 0, 2 * Math.PI);
        ctx.fillStyle = classification ? (t > 0.5 ? css(1) : css(-1)) : css(t / r);
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = stroke;
        ctx.stroke();
      }
    };
    drawPoints(info.points.train, '#fff');
    if ($('show-test').checked) drawPoints(info.points.test, '#000');
  }

  function updateLegend() {
    const info = state.info;
    const c = $('legend-bar');
    const ctx = c._ctx || (c._ctx = setupCanvas(c, 160, 10));
    for (let i = 0; i < 160; i++) {
      ctx.fillStyle = css(i / 159 * 2 - 1);
      ctx.fillRect(i, 0, 1, 10);
    }
    const [lo, hi] = info.out_range;
    $('legend-lo').textContent = fmt(lo);
    $('legend-mid').textContent = fmt((lo + hi) / 2);
    $('legend-hi').textContent = fmt(hi);
    $('legend-text').textContent = info.problem === 'classification'
      ? 'The colour is the output (the probability of class 1): orange class 0, blue class 1. '
        + 'Points: white ring = training, black ring = test.'
      : 'The colour is the predicted value; the points are coloured by their target. '
        + 'White ring = training, black ring = test.';
  }

  // network layout: columns of nodes, input features first, the output last
  function layoutNetwork() {
    const info = state.info;
    const wrap = $('network-wrap');
    const width = Math.max(520, wrap.clientWidth || 600);
    const maxN = Math.max(...info.sizes);
    const height = Math.max(250, TOP + maxN * (NODE + GAP) + 34);
    const L = info.sizes.length;
    const left = 78, right = 60;
    const xs = info.sizes.map((_, l) => left + (L === 1 ? 0 : l * (width - left - right - NODE) / (L - 1)));
    const nodes = info.sizes.map((n, l) => Array.from({ length: n }, (_, j) => ({
      x: xs[l], y: TOP + j * (NODE + GAP), layer: l, unit: j,
    })));
    state.layout = { width, height, xs, nodes };
    const canvas = $('network');
    canvas._ctx = setupCanvas(canvas, width, height);
    // the +/- buttons above each hidden layer
    const bar = $('neuron-buttons');
    bar.innerHTML = '';
    const lim = state.options.limits;
    state.params.hidden.forEach((units, i) => {
      const box = el('div', { class: 'neuron-control' });
      box.style.left = (xs[i + 1] + NODE / 2) + 'px';
      box.style.top = '4px';
      const pm = el('div', { class: 'pm' });
      const plus = el('button', { class: 'round tiny', type: 'button', title: 'Add a neuron' }, '+');
      const minus = el('button', { class: 'round tiny', type: 'button', title: 'Remove a neuron' }, '−');
      plus.id = `add-neuron-${i + 1}`; minus.id = `remove-neuron-${i + 1}`;
      plus.disabled = units >= lim.max_neurons;
      minus.disabled = units <= 1;
      const change = (d) => () => configure((p) => {
        const h = p.hidden.slice();
        if (i < h.length) h[i] = Math.max(1, Math.min(lim.max_neurons, h[i] + d));
        return { hidden: h };
      });
      plus.addEventListener('click', change(1));
      minus.addEventListener('click', change(-1));
      pm.appendChild(plus); pm.appendChild(minus);
      box.appendChild(pm);
      box.appendChild(el('span', {}, `${units} neuron${units === 1 ? '' : 's'}`));
      bar.appendChild(box);
    });
  }

  function linkPath(a, b) {   // from node a (left) to node b (right): a cubic curve
    const x0 = a.x + NODE, y0 = a.y + NODE / 2, x1 = b.x, y1 = b.y + NODE / 2;
    const mx = (x0 + x1) / 2;
    return [x0, y0, mx, y0, mx, y1, x1, y1];
  }
  function bezierPoint(p, t) {
    const u = 1 - t;
    return [u * u * u * p[0] + 3 * u * u * t * p[2] + 3 * u * t * t * p[4] + t * t * t * p[6],
      u * u * u * p[1] + 3 * u * u * t * p[3] + 3 * u * t * t * p[5] + t * t * t * p[7]];
  }

  function drawNetwork() {
    const canvas = $('network');
    const ctx = canvas._ctx;
    const { width, height, nodes } = state.layout;
    const info = state.info, dec = state.decoded, frame = state.frame;
    ctx.clearRect(0, 0, width, height);
    const sel = state.selection;
    // links
    for (let l = 1; l < nodes.length; l++) {
      const W = dec && dec[l - 1].W;
      const nOut = info.sizes[l];
      for (const a of nodes[l - 1]) {
        for (const b of nodes[l]) {
          const w = W ? W[a.unit * nOut + b.unit] : 0;
          const p = linkPath(a, b);
          const selected = sel && sel.kind === 'link' && sel.layer === l && sel.from === a.unit && sel.to === b.unit;
          ctx.beginPath();
          ctx.moveTo(p[0], p[1]);
          ctx.bezierCurveTo(p[2], p[3], p[4], p[5], p[6], p[7]);
          if (selected) {
            ctx.strokeStyle = '#000';
            ctx.lineWidth = Math.min(1 + Math.abs(w) * 1.8, 9) + 3;
            ctx.stroke();
            ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.bezierCurveTo(p[2], p[3], p[4], p[5], p[6], p[7]);
          }
          ctx.strokeStyle = css(Math.max(-1, Math.min(1, w)), 0.9);
          ctx.lineWidth = Math.min(0.6 + Math.abs(w) * 1.8, 9);
          ctx.stroke();
        }
      }
    }
    // nodes
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let l = 0; l < nodes.length; l++) {
      let bytes = null, lo = -1, hi = 1;
      if (l > 0 && frame) {
        bytes = b64bytes(frame.maps[l - 1]);
        if (l === nodes.length - 1) [lo, hi] = info.out_range;
      }
      for (const n of nodes[l]) {
        let img = null;
        if (l === 0) {
          const m = info.input_maps[n.unit];
          img = mapCanvas(`in-${n.unit}-${info.build}`, info.thumb_res, b64bytes(m.data), 0, m.lo, m.hi, false);
        } else if (bytes) {
          const res = info.thumb_res;
          img = mapCanvas(`n-${l}-${n.unit}`, res, bytes, n.unit * res * res, lo, hi, false);
        }
        if (img) {
          ctx.imageSmoothingEnabled = true;
          ctx.drawImage(img, n.x, n.y, NODE, NODE);
        } else {
          ctx.fillStyle = '#eee';
          ctx.fillRect(n.x, n.y, NODE, NODE);
        }
        const selected = sel && sel.kind === 'node' && sel.layer === l && sel.unit === n.unit;
        ctx.lineWidth = selected ? 3 : 1;
        ctx.strokeStyle = selected ? '#000' : '#9aa0a6';
        ctx.strokeRect(n.x, n.y, NODE, NODE);
        // the bias: a small square at the bottom left, coloured by its value
        if (l > 0 && dec) {
          const b = dec[l - 1].b[n.unit];
          ctx.fillStyle = css(Math.max(-1, Math.min(1, b)));
          ctx.fillRect(n.x - 5, n.y + NODE - 7, 7, 7);
          ctx.lineWidth = 1; ctx.strokeStyle = '#777';
          ctx.strokeRect(n.x - 5, n.y + NODE - 7, 7, 7);
        }
        if (l === 0) {
          ctx.fillStyle = '#333';
          ctx.textAlign = 'right';
          ctx.fillText(info.features[n.unit].label, n.x - 8, n.y + NODE / 2);
        }
      }
    }
    ctx.textAlign = 'center';
    ctx.fillStyle = '#6b6f75';
    ctx.font = '11px system-ui, sans-serif';
    const last = nodes.length - 1;
    ctx.fillText('inputs', nodes[0][0].x + NODE / 2, TOP - 12);
    ctx.fillText('output', nodes[last][0].x + NODE / 2, TOP - 12);
    const acts = info.activations;
    ctx.fillText(`f = ${acts[acts.length - 1] || 'linear'}`, nodes[last][0].x + NODE / 2, TOP + NODE + 12);
    if (info.sizes.length > 2) {
      const l = 1;
      ctx.fillText(`f = ${acts[0]}`, nodes[l][nodes[l].length - 1].x + NODE / 2,
        nodes[l][nodes[l].length - 1].y + NODE + 12);
    }
    ctx.textAlign = 'left';
    ctx.fillText('colour and width of a link: its weight · small square: the bias · click for numbers',
      8, height - 6);
  }

  function onNetworkClick(ev) {
    if (!state.layout) return;
    const rect = ev.currentTarget.getBoundingClientRect();
    const x = ev.clientX - rect.left, y = ev.clientY - rect.top;
    const { nodes } = state.layout;
    let hit = null;
    for (const col of nodes) {
      for (const n of col) {
        if (x >= n.x - 6 && x <= n.x + NODE && y >= n.y && y <= n.y + NODE) hit = { kind: 'node', layer: n.layer, unit: n.unit };
      }
    }
    if (!hit) {
      let best = 6;
      for (let l = 1; l < nodes.length; l++) {
        for (const a of nodes[l - 1]) {
          for (const b of nodes[l]) {
            const p = linkPath(a, b);
            if (x < p[0] - 4 || x > p[6] + 4) continue;
            for (let i = 0; i <= 24; i++) {
              const [qx, qy] = bezierPoint(p, i / 24);
              const d = Math.hypot(qx - x, qy - y);
              if (d < best) { best = d; hit = { kind: 'link', layer: l, from: a.unit, to: b.unit }; }
            }
          }
        }
      }
    }
    state.selection = hit;
    state.needsRender = true;
    updateDetails();
  }
  window.playground.select = (sel) => { state.selection = sel; state.needsRender = true; updateDetails(); };
  window.playground.linkPoint = (layer, from, to, t) => {   // a point on a link, in canvas coordinates
    const { nodes } = state.layout;
    return bezierPoint(linkPath(nodes[layer - 1][from], nodes[layer][to]), t);
  };

  function selectionValid(sel) {
    const sizes = state.info.sizes;
    if (sel.layer >= sizes.length) return false;
    if (sel.kind === 'node') return sel.unit < sizes[sel.layer];
    return sel.layer >= 1 && sel.from < sizes[sel.layer - 1] && sel.to < sizes[sel.layer];
  }

  function neuronName(l, j) {
    const info = state.info;
    if (l === 0) return `input ${info.features[j].label}`;
    const name = info.layer_names[l - 1];
    return name === 'output' ? 'the output neuron' : `${name} neuron ${j + 1}`;
  }

  function updateDetails() {
    const box = $('details');
    const sel = state.selection;
    if (!sel || !state.info || !selectionValid(sel)) {
      box.innerHTML = '<span class="hint">Click a neuron or a link to see its numbers.</span>';
      return;
    }
    const info = state.info, dec = state.decoded;
    const rows = [];
    let title, note = '';
    if (sel.kind === 'node' && sel.layer === 0) {
      const f = info.features[sel.unit];
      title = `Input ${f.label}`;
      note = `This input is <code>${f.expression}</code> of the point (x\u2081, x\u2082); its picture shows it over the plane.`;
    } else if (sel.kind === 'node') {
      const l = sel.layer, j = sel.unit, d = dec && dec[l - 1];
      title = `${neuronName(l, j)} (layer ${l}, f = ${info.activations[l - 1] || 'linear'})`;
      if (d) {
        rows.push(['bias b', d.b[j]], ['last gradient ∂C/∂b', d.db ? d.db[j] : null],
          ['last update Δb', d.ub ? d.ub[j] : null]);
        const nIn = info.sizes[l - 1], nOut = info.sizes[l];
        let norm = 0;
        for (let i = 0; i < nIn; i++) norm += d.W[i * nOut + j] ** 2;
        rows.push([`‖incoming weights‖ (${nIn})`, Math.sqrt(norm)]);
      }
      note = 'Its picture: the neuron\'s output a = f(z) over the input plane.';
    } else {
      const l = sel.layer, i = sel.from, j = sel.to, d = dec && dec[l - 1];
      const k = i * info.sizes[l] + j;
      title = `Weight w from ${neuronName(l - 1, i)} to ${neuronName(l, j)}`;
      if (d) {
        rows.push(['weight w', d.W[k]], ['last gradient ∂C/∂w', d.dW ? d.dW[k] : null],
          ['last update Δw', d.uW ? d.uW[k] : null]);
      }
      note = `kernel[${i}, ${j}] of layer ${info.layer_names[l - 1]}.`;
    }
    const epoch = state.frame ? state.frame.epoch : 0;
    let html = `<div class="title">${title}</div><table>`;
    for (const [name, v] of rows) html += `<tr><td>${name}</td><td class="num">${fmt(v, 6)}</td></tr>`;
    html += '</table>';
    html += `<div class="hint">${note}${rows.length ? ` Gradient and update: the last mini-batch of epoch ${epoch}` +
      (epoch === 0 ? ' (none yet)' : '') + '.' : ''}</div>`;
    box.innerHTML = html;
  }

  const LOSS_W = 340, LOSS_H = 86;
  function drawLoss() {
    const canvas = $('loss-chart');
    const ctx = canvas._ctx || (canvas._ctx = setupCanvas(canvas, LOSS_W, LOSS_H));
    ctx.clearRect(0, 0, LOSS_W, LOSS_H);
    ctx.fillStyle = '#fafafa';
    ctx.fillRect(0, 0, LOSS_W, LOSS_H);
    const h = state.history;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#6b6f75';
    if (h.length < 1) return;
    const maxEpoch = Math.max(1, h[h.length - 1][0]);
    let maxLoss = 0;
    for (const p of h) for (const v of [p[1], p[2]]) if (v !== null && Number.isFinite(v)) maxLoss = Math.max(maxLoss, v);
    maxLoss = maxLoss || 1;
    const X = (e) => 4 + (e / maxEpoch) * (LOSS_W - 8);
    const Y = (v) => LOSS_H - 4 - (Math.min(v, maxLoss) / maxLoss) * (LOSS_H - 22);
    const line = (k, color, width) => {
      ctx.beginPath();
      let started = false;
      const stride = Math.max(1, Math.floor(h.length / 600));
      for (let i = 0; i < h.length; i += stride) {
        const v = h[i][k];
        if (v === null) { started = false; continue; }
        if (!started) { ctx.moveTo(X(h[i][0]), Y(v)); started = true; } else ctx.lineTo(X(h[i][0]), Y(v));
      }
      const lastP = h[h.length - 1];
      if (lastP[k] !== null && started) ctx.lineTo(X(lastP[0]), Y(lastP[k]));
      ctx.strokeStyle = color; ctx.lineWidth = width; ctx.stroke();
    };
    line(1, '#9aa0a6', 1.5);
    line(2, '#000', 1.5);
    ctx.fillStyle = '#6b6f75';
    ctx.fillText(`loss (max ${fmt(maxLoss, 3)}) · epoch ${h[h.length - 1][0]}`, 6, 11);
    ctx.fillStyle = '#000'; ctx.fillText('— test', LOSS_W - 110, 11);
    ctx.fillStyle = '#9aa0a6'; ctx.fillText('— training', LOSS_W - 64, 11);
  }

  // ------------------------------------------------------------------ explain
  function matrix(caption, data, rowLabel, colLabels, more) {
    const wrap = el('div', { class: 'mat' });
    const cap = el('div', { class: 'cap' });
    cap.innerHTML = caption;
    wrap.appendChild(cap);
    if (!Array.isArray(data[0])) data = [data];
    let maxAbs = 0;
    for (const r of data) for (const v of r) if (v !== null) maxAbs = Math.max(maxAbs, Math.abs(v));
    const t = el('table');
    const head = el('tr');
    head.appendChild(el('th', {}, ''));
    data[0].forEach((_, j) => head.appendChild(el('th', {}, colLabels ? colLabels[j] : String(j + 1))));
    t.appendChild(head);
    data.forEach((r, i) => {
      const tr = el('tr');
      tr.appendChild(el('th', {}, rowLabel ? rowLabel(i) : ''));
      for (const v of r) {
        const td = el('td', {}, fmt(v, 4));
        if (v !== null && maxAbs > 0) td.style.background = css(v / maxAbs, 0.35);
        tr.appendChild(td);
      }
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    if (more) wrap.appendChild(el('div', { class: 'more' }, more));
    return wrap;
  }

  async function explain() {
    if (!state.sessionId) return;
    let tr;
    try { tr = await api('POST', sessionPath('explain')); } catch (err) { return; }
    state.lastTrace = tr;
    const body = $('explain-body');
    body.innerHTML = '';
    const dense = tr.layers.filter((l) => l.class === 'Dense');
    const L = dense.length;
    const hasDropout = tr.layers.some((l) => l.class === 'Dropout');
    const reg = state.params.regularization !== 'none' && state.params.regularization_rate > 0;
    const more = tr.batch_size > tr.rows_shown ? `… ${tr.batch_size - tr.rows_shown} more rows (samples) not shown` : '';
    const sample = (i) => `#${tr.sample_index[i]}`;
    const summary = el('p', { class: 'summary' });
    summary.innerHTML = `A mini-batch of <b>${tr.batch_size}</b> training points (rows; the first ${tr.rows_shown} shown), ` +
      `at epoch ${tr.epoch}, optimizer <b>${tr.optimizer}</b> (learning rate η = ${fmt(tr.learning_rate)}). ` +
      `Computed on a copy of the network: the run itself is not changed. ` +
      `Cost C = <b>${fmt(tr.loss, 6)}</b> (${tr.loss_name}${reg ? ' + the regularization penalty' : ''}, mean over the batch).`;
    body.appendChild(summary);
    const rules = el('div', { class: 'rules' });
    rules.innerHTML =
      '<div><b>Forward</b>: z<sup>l</sup> = a<sup>l−1</sup> W<sup>l</sup> + b<sup>l</sup>, ' +
      'a<sup>l</sup> = f(z<sup>l</sup>), a<sup>0</sup> = the inputs x (one row per sample).</div>' +
      '<div><b>Backward</b>: ' + (tr.fused
        ? `δ<sup>${L}</sup> = (a<sup>${L}</sup> − y) / n (sigmoid output with cross-entropy: BP1 simplified); `
        : `δ<sup>${L}</sup> = ∂C/∂a<sup>${L}</sup> ⊙ f′(z<sup>${L}</sup>) (BP1); `) +
      'δ<sup>l</sup> = (δ<sup>l+1</sup> (W<sup>l+1</sup>)<sup>T</sup>) ⊙ f′(z<sup>l</sup>) (BP2)' +
      (hasDropout ? ', with the dropout mask applied where the layer has dropout' : '') + '.</div>' +
      '<div><b>Gradients</b>: ∂C/∂W<sup>l</sup> = (a<sup>l−1</sup>)<sup>T</sup> δ<sup>l</sup> (BP4), ' +
      '∂C/∂b<sup>l</sup> = Σ<sub>batch</sub> δ<sup>l</sup> (BP3)' +
      (reg ? `, plus the ${state.params.regularization.toUpperCase()} penalty's gradient` : '') + '.</div>' +
      `<div><b>Update</b> (${tr.optimizer}): ΔW<sup>l</sup> = W<sup>l</sup><sub>after</sub> − W<sup>l</sup><sub>before</sub>` +
      (tr.optimizer === 'SGD' && state.params.momentum === 0 ? ' = −η ∂C/∂W<sup>l</sup>' : '') + '.</div>';
    body.appendChild(rules);

    const units = (n) => Array.from({ length: n }, (_, j) => `${j + 1}`);
    body.appendChild(el('div', { class: 'stage' }, 'Forward pass'));
    let l = 0;
    const input = el('div', { class: 'mats' });
    input.appendChild(matrix('a<sup>0</sup> = x (inputs)', tr.layers[0].a_prev, sample, tr.inputs, more));
    input.appendChild(matrix('y (targets)', tr.targets.map((v) => [v]), sample, ['y']));
    body.appendChild(input);
    for (const layer of tr.layers) {
      if (layer.class === 'Dense') {
        l += 1;
        body.appendChild(el('h3', {}, `Layer ${l}: ${layer.name} (f = ${layer.activation})`));
        const row = el('div', { class: 'mats' });
        const n = layer.z[0].length;
        row.appendChild(matrix(`z<sup>${l}</sup> = a<sup>${l - 1}</sup> W<sup>${l}</sup> + b<sup>${l}</sup>`, layer.z, sample, units(n), more));
        row.appendChild(matrix(`a<sup>${l}</sup> = ${layer.activation}(z<sup>${l}</sup>)`, layer.a, sample, units(n), more));
        body.appendChild(row);
      } else {
        body.appendChild(el('h3', {}, `${layer.name} (${layer.class})`));
        const row = el('div', { class: 'mats' });
        row.appendChild(matrix(`a = a<sub>prev</sub> ⊙ mask / (1 − rate)`, layer.a, sample, units(layer.a[0].length), more));
        body.appendChild(row);
      }
    }
    body.appendChild(el('div', { class: 'stage' }, 'Backward pass (from the output back) and update'));
    l = L + 1;
    for (const layer of [...tr.layers].reverse()) {
      if (layer.class !== 'Dense') continue;
      l -= 1;
      body.appendChild(el('h3', {}, `Layer ${l}: ${layer.name}`));
      const row = el('div', { class: 'mats' });
      const n = layer.delta[0].length;
      const nIn = layer.dC_dW.length;
      const inLabels = l === 1 ? tr.inputs : units(nIn);
      const deltaCap = l === L
        ? (tr.fused ? `δ<sup>${l}</sup> = (a<sup>${l}</sup> − y) / n` : `δ<sup>${l}</sup> = ∂C/∂a<sup>${l}</sup> ⊙ f′(z<sup>${l}</sup>)`)
        : `δ<sup>${l}</sup> = (δ<sup>${l + 1}</sup> W<sup>${l + 1}T</sup>) ⊙ f′(z<sup>${l}</sup>)`;
      row.appendChild(matrix(deltaCap, layer.delta, sample, units(n), more));
      const inRow = (i) => (l === 1 ? tr.inputs[i] : `${i + 1}`);
      row.appendChild(matrix(`∂C/∂W<sup>${l}</sup> = (a<sup>${l - 1}</sup>)<sup>T</sup> δ<sup>${l}</sup>`, layer.dC_dW, inRow, units(n)));
      row.appendChild(matrix(`∂C/∂b<sup>${l}</sup> = Σ δ<sup>${l}</sup>`, layer.dC_db, null, units(n)));
      row.appendChild(matrix(`ΔW<sup>${l}</sup> (update)`, layer.kernel_update, inRow, units(n)));
      row.appendChild(matrix(`Δb<sup>${l}</sup>`, layer.bias_update, null, units(n)));
      row.appendChild(matrix(`W<sup>${l}</sup> after`, layer.kernel_after, (i) => inLabels[i], units(n)));
      body.appendChild(row);
    }
    $('explain-panel').hidden = false;
    $('explain-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  // ------------------------------------------------------------------ exports
  function saveBlob(blob, filename) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  async function exportFile(ev) {   // fetch first, so that a refusal is shown in the page, not saved as a file
    ev.preventDefault();
    const link = ev.currentTarget;
    let response;
    try {
      response = await fetch(link.href, { headers: authHeaders() });
    } catch (err) {
      showMessage(`Cannot reach the playground server (${err.message}).`);
      return;
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch (err) { /* not JSON */ }
      showMessage(`Export failed: ${message}`);
      return;
    }
    const disposition = response.headers.get('Content-Disposition') || '';
    const match = /filename="([^"]+)"/.exec(disposition);
    saveBlob(await response.blob(), match ? match[1] : link.getAttribute('download') || 'export');
  }

  // ------------------------------------------------------------------ export a picture
  function exportPng() {
    if (!state.info) return;
    const net = $('network'), boundary = $('boundary'), loss = $('loss-chart');
    const dpr = window.devicePixelRatio || 1;
    const pad = 16 * dpr, head = 44 * dpr;
    const w = net.width + boundary.width + 3 * pad;
    const h = head + Math.max(net.height, loss.height + boundary.height + pad) + pad;
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    const p = state.params, f = state.frame;
    ctx.fillStyle = '#183d4e';
    ctx.font = `${15 * dpr}px system-ui, sans-serif`;
    const shape = [p.features.length, ...p.hidden, 1].join('-');
    ctx.fillText(`glassnet playground · ${p.dataset} · ${shape} ${p.activation} · ${p.optimizer} η=${p.learning_rate} · ` +
      `batch ${p.batch_size}`, pad, 20 * dpr);
    ctx.font = `${12 * dpr}px system-ui, sans-serif`;
    ctx.fillStyle = '#444';
    if (f) ctx.fillText(`epoch ${f.epoch} · test loss ${fmtLoss(f.test_loss)} · training loss ${fmtLoss(f.train_loss)}`, pad, 37 * dpr);
    ctx.drawImage(net, pad, head);
    ctx.drawImage(loss, net.width + 2 * pad, head);
    ctx.drawImage(boundary, net.width + 2 * pad, head + loss.height + pad);
    c.toBlob((blob) => saveBlob(blob, 'glassnet_playground.png'), 'image/png');
  }

  // ------------------------------------------------------------------ start
  window.addEventListener('pagehide', () => {
    if (state.sessionId) {   // keepalive: outlives the page, like sendBeacon, but can carry the secret
      fetch(sessionPath('close'), { method: 'POST', keepalive: true, headers: authHeaders() }).catch(() => {});
    }
    if (state.es) state.es.close();
    state.sessionId = null;
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted && state.options && !state.sessionId) createSession().catch(() => {});
  });
  window.addEventListener('resize', () => {
    if (state.info) { layoutNetwork(); state.needsRender = true; }
  });

  async function start() {
    try {
      state.options = await api('GET', '/api/options');
      state.params = state.options.defaults;
      buildControls();
      syncControls();
      setPlayIcon(false);
      await createSession();
      requestAnimationFrame(render);
    } catch (err) {
      setStatus('not connected');
    }
  }
  start();
})();
