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
    lastNotice: null, busy: false, hover: null, view: { hide: [], task: null }, doctorHistory: [],
    urlEpoch: 0, model: null, modelResponse: null, modelHover: null,
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
  // ------------------------------------------------------------------ the URL holds every setting
  // #dataset=xor&noise=0&...&hidden=4,2&features=x1,x2&seed=3&epoch=120[&test=1&discretize=1]
  // [&tutorial=1 | &hide=controls,data,features,layers,exports,model,doctor,explain][&task=text]
  const LIST_PARAMS = ['features', 'hidden'];
  const MAX_LINK_EPOCH = 100000;
  const TUTORIAL_HIDES = ['controls', 'data', 'features', 'layers', 'exports', 'model'];
  const HIDE_PARTS = ['controls', 'data', 'features', 'layers', 'exports', 'model', 'doctor', 'explain'];
  function parseUrl() {
    const text = (location.hash || '').replace(/^#/, '') || (location.search || '').replace(/^\?/, '');
    const q = new URLSearchParams(text);
    const defaults = state.options.defaults;
    const params = {};
    const out = { params, epoch: 0, hide: [], task: null, test: null, discretize: null };
    for (const [key, value] of q.entries()) {
      if (key in defaults) {
        if (LIST_PARAMS.includes(key)) {
          params[key] = value === '' ? [] : value.split(',').map((v) => (key === 'hidden' ? Number(v) : v));
        } else if (typeof defaults[key] === 'number') {
          params[key] = value.trim() === '' ? value : Number(value);   // a bad number: the server says so
        } else {
          params[key] = value;
        }
      } else if (key === 'epoch') {
        const n = Number(value);
        out.epoch = Number.isInteger(n) && n > 0 ? Math.min(n, MAX_LINK_EPOCH) : 0;
      } else if (key === 'tutorial' && value !== '0') {
        out.hide.push(...TUTORIAL_HIDES);
      } else if (key === 'hide') {
        out.hide.push(...value.split(',').filter((v) => HIDE_PARTS.includes(v)));
      } else if (key === 'task') {
        out.task = value.slice(0, 500);
      } else if (key === 'test' || key === 'discretize') {
        out[key] = value === '1';
      }
    }
    return out;
  }
  function urlFor(params, epoch) {
    const q = new URLSearchParams();
    for (const key of Object.keys(state.options.defaults)) {
      if (!(key in params)) continue;
      const v = params[key];
      q.set(key, Array.isArray(v) ? v.join(',') : String(v));
    }
    q.set('epoch', String(epoch || 0));
    if ($('show-test').checked) q.set('test', '1');
    if ($('discretize').checked) q.set('discretize', '1');
    const hide = state.view.hide;
    if (hide.length) q.set('hide', [...new Set(hide)].join(','));
    if (state.view.task) q.set('task', state.view.task);
    return `${location.pathname}#${q.toString()}`;
  }
  function updateUrl() {
    if (!state.params || !state.options) return;
    const epoch = state.frame && state.info && state.frame.build === state.info.build ? state.frame.epoch : 0;
    const url = urlFor(state.params, epoch);
    if (url !== location.pathname + location.hash) history.replaceState(null, '', url);
  }
  window.playground.urlFor = urlFor;
  function applyView(view) {
    state.view = { hide: view.hide, task: view.task };
    for (const part of HIDE_PARTS) document.body.classList.toggle(`hide-${part}`, view.hide.includes(part));
    if (view.task) { $('task-text').textContent = view.task; $('task').hidden = false; }
    if (view.test !== null) $('show-test').checked = view.test;
    if (view.discretize !== null) $('discretize').checked = view.discretize;
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
    $('show-test').addEventListener('change', () => { state.needsRender = true; updateUrl(); });
    $('discretize').addEventListener('change', () => { state.needsRender = true; updateUrl(); });
    $('copy-link').addEventListener('click', copyLink);
    $('network').addEventListener('mousemove', onNetworkHover);
    $('network').addEventListener('mouseleave', () => { if (state.hover) { state.hover = null; state.needsRender = true; } });
    $('weight-set').addEventListener('click', setWeight);
    $('weight-input').addEventListener('keydown', (e) => { if (e.key === 'Enter') setWeight(); });
    $('model-file').addEventListener('change', uploadModel);
    $('model-data').addEventListener('change', () => { if (state.lastModelFile) uploadModel(); });
    $('model-open-path').addEventListener('click', () => {
      state.lastModelFile = null;
      openModel({ path: $('model-path').value });
    });
    $('model-close').addEventListener('click', closeModel);
    for (const id of ['model-x', 'model-y']) $(id).addEventListener('change', loadModelResponse);
    $('model-output').addEventListener('change', drawModelResponse);
    $('model-trace').addEventListener('click', traceModel);
    $('model-network').addEventListener('mousemove', onModelHover);
    $('model-network').addEventListener('mouseleave', () => { state.modelHover = null; drawModelResponse(); });
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
      } else if (key === 'gauss') {
        const x = rnd() * 2 - 1, y = rnd() * 2 - 1;
        let t = 0;
        [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]].forEach(([cx, cy, sg]) => {
          const v = sg * Math.max(0, 1 - 3 * Math.hypot(x - cx / 6, y - cy / 6));
          if (Math.abs(v) > Math.abs(t)) t = v;
        });
        dot(x, y, t * 0.999 || 0.001);
      } else {
        const x = rnd() * 2 - 1, y = rnd() * 2 - 1;
        dot(x, y, Math.sin(Math.PI * x) * Math.cos(Math.PI * y) * 0.999 || 0.001);
      }
    }
  }

  // ------------------------------------------------------------------ session and stream
  async function createSession() {
    let res;
    try {
      res = await api('POST', '/api/sessions', state.params || {});
    } catch (err) {
      if (err.status !== 400) throw err;
      const refused = err.message;          // a link with a refused setting: the defaults, and say why
      state.params = state.options.defaults;
      state.urlEpoch = 0;
      res = await api('POST', '/api/sessions', state.params);
      showMessage(`The link's settings were refused (${refused}); showing the defaults instead.`);
    }
    state.sessionId = res.id;
    state.params = res.params;
    state.history = [];
    $('export-keras').href = sessionPath('export/model.keras');
    $('export-code').href = sessionPath('export/code.py');
    syncControls();
    connect();
    if (state.urlEpoch > 0) {      // a shared link: train to its epoch (the same run: same seed, same numbers)
      const target = state.urlEpoch, sid = state.sessionId;
      state.urlEpoch = 0;
      let done = 0;
      // in requests of at most 20 epochs (fit in chunks ends on the very weights of one fit), so that the
      // page stays responsive; a change of setting (a new build) or another session stops it
      const build = () => (state.info ? state.info.build : null);
      let startBuild = build();
      while (done < target && state.sessionId === sid) {
        if (startBuild === null) startBuild = build();
        else if (build() !== startBuild) break;
        const epochs = Math.min(20, target - done);
        setStatus(`training to epoch ${target} as the link says… ${done}/${target}`);
        try { await api('POST', sessionPath('step'), { epochs }); } catch (err) { break; }
        done += epochs;
      }
    }
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
    state.doctorHistory = [];
    state.needsRender = true;
    updateUrl();
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
    if (frame.doctor) renderDoctor(frame.doctor, $('doctor-table'), $('doctor-findings'), true);
    if (!frame.running) updateUrl();
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
    const hv = state.hover;
    if (frame && hv) {             // hovering a neuron: its output over the plane, in the big picture
      let img;
      if (hv.layer === 0) {
        const m = info.input_maps[hv.unit];
        img = mapCanvas(`in-${hv.unit}-${info.build}`, info.thumb_res, b64bytes(m.data), 0, m.lo, m.hi, false);
      } else {
        const last = hv.layer === info.sizes.length - 1;
        const [lo, hi] = last ? info.out_range : [-1, 1];
        img = mapCanvas(`n-${hv.layer}-${hv.unit}`, info.thumb_res, b64bytes(frame.maps[hv.layer - 1]),
          hv.unit * info.thumb_res * info.thumb_res, lo, hi, false);
      }
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(img, 0, 0, BOUNDARY, BOUNDARY);
    } else if (frame) {
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
    if (hv) {
      ctx.fillStyle = 'rgba(255,255,255,.85)';
      ctx.fillRect(0, 0, BOUNDARY, 20);
      ctx.fillStyle = '#000';
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillText(`showing ${neuronName(hv.layer, hv.unit)} (hover)`, 6, 14);
    }
    $('boundary').dataset.showing = hv ? `${hv.layer}:${hv.unit}` : 'output';
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
    let deadDrawn = 0;
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
          const dead = info.dead_below !== null && info.dead_below !== undefined && W && Math.abs(w) < info.dead_below;
          if (dead) {                 // driven to zero by L1: drawn dead (thin, dashed, grey)
            deadDrawn += 1;
            ctx.setLineDash([3, 4]);
            ctx.strokeStyle = 'rgba(120,120,120,.6)';
            ctx.lineWidth = 1;
            ctx.stroke();
            ctx.setLineDash([]);
          } else {
            ctx.strokeStyle = css(Math.max(-1, Math.min(1, w)), 0.9);
            ctx.lineWidth = Math.min(0.6 + Math.abs(w) * 1.8, 9);
            ctx.stroke();
          }
        }
      }
    }
    state.deadDrawn = deadDrawn;
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
    ctx.fillText('link: its weight · square: the bias · hover a neuron: its output at the right · click: edit' +
      (info.dead_below ? ' · dashed: 0 by L1' : ''), 8, height - 6);
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
    const editor = $('weight-editor');
    const editable = sel.layer > 0 && dec;
    editor.hidden = !editable;
    if (editable) {
      const key = JSON.stringify(sel);
      if (editor.dataset.sel !== key) {        // a new selection: fill in its value, clear the result
        editor.dataset.sel = key;
        const d = dec[sel.layer - 1];
        const v = sel.kind === 'link' ? d.W[sel.from * info.sizes[sel.layer] + sel.to] : d.b[sel.unit];
        $('weight-input').value = Number(v.toPrecision(6));
        $('weight-label').textContent = sel.kind === 'link' ? 'Set this weight' : 'Set this bias';
        $('weight-result').textContent = '';
      }
    }
  }

  async function setWeight() {
    const sel = state.selection;
    if (!sel || sel.layer === 0) return;
    const value = Number($('weight-input').value);
    const body = { layer: sel.layer, to: sel.kind === 'link' ? sel.to : sel.unit, value };
    if (sel.kind === 'link') body.from = sel.from;
    let res;
    try { res = await api('POST', sessionPath('weight'), body); } catch (err) { return; }
    $('weight-result').textContent = `${res.set}: ${fmt(res.old)} → ${fmt(res.value)} · training loss ` +
      `${fmtLoss(res.train_loss_before)} → ${fmtLoss(res.train_loss)}, test ${fmtLoss(res.test_loss_before)} → ` +
      `${fmtLoss(res.test_loss)} (a shared link reproduces the run without hand edits)`;
    state.lastWeight = res;
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

  function nodeAt(nodes, x, y) {
    for (const col of nodes) {
      for (const n of col) {
        if (x >= n.x - 2 && x <= n.x + NODE + 2 && y >= n.y - 2 && y <= n.y + NODE + 2) return n;
      }
    }
    return null;
  }
  function onNetworkHover(ev) {
    if (!state.layout) return;
    const rect = ev.currentTarget.getBoundingClientRect();
    const n = nodeAt(state.layout.nodes, ev.clientX - rect.left, ev.clientY - rect.top);
    const hv = n ? { layer: n.layer, unit: n.unit } : null;
    if (JSON.stringify(hv) !== JSON.stringify(state.hover)) { state.hover = hv; state.needsRender = true; }
  }
  window.playground.hoverNeuron = (layer, unit) => {
    state.hover = layer === null ? null : { layer, unit }; state.needsRender = true;
  };

  // ------------------------------------------------------------------ the layers' health (live)
  function renderDoctor(doc, tableBox, findingsBox, live) {
    const pct = (v) => (v === null || v === undefined ? '–' : `${Math.round(100 * v)}%`);
    let html = '<table><tr><th>layer</th><th title="‖W‖, the size of its weights">‖W‖</th>' +
      '<th title="‖∂C/∂W‖ of the last mini-batch">‖∇W‖</th><th title="‖ΔW‖ / ‖W‖ of the last step (healthy: ~0.001)">ΔW/W</th>' +
      '<th title="units that output 0 on every probe row">dead</th>' +
      '<th title="outputs in the flat tails of sigmoid / tanh">sat.</th><th title="mean of its outputs a">a mean</th>' +
      '<th title="spread (standard deviation) of its outputs a">a sd</th></tr>';
    for (const r of doc.layers) {
      html += `<tr><td title="f = ${r.activation}">${r.name}</td><td>${fmt(r.w_norm, 3)}</td><td>${fmt(r.grad_norm, 2)}</td>` +
        `<td>${fmt(r.update_ratio, 2)}</td><td>${pct(r.dead)}</td><td>${pct(r.saturated)}</td>` +
        `<td>${fmt(r.act_mean, 2)}</td><td>${fmt(r.act_std, 2)}</td></tr>`;
    }
    tableBox.innerHTML = html + '</table>';
    findingsBox.innerHTML = '';
    if (!doc.findings.length) {
      findingsBox.appendChild(el('div', { class: 'ok' }, `No warning signs on ${doc.probe_rows} probe rows.`));
    }
    for (const f of doc.findings) {      // the training doctor's findings (glassnet.doctor): title, then its words
      const d = el('div', { class: 'finding' });
      d.appendChild(el('b', {}, f.title));
      d.appendChild(el('br'));
      d.appendChild(document.createTextNode(f.text));
      findingsBox.appendChild(d);
    }
    if (!live) return;
    $('doctor-epoch').textContent = `· epoch ${doc.epoch}, live`;
    const h = state.doctorHistory;
    if (!h.length || h[h.length - 1].epoch !== doc.epoch) h.push({ epoch: doc.epoch, g: doc.layers.map((r) => r.grad_norm) });
    if (h.length > 400) h.splice(0, h.length - 400);
    drawDoctorChart();
  }
  const DOC_W = 340, DOC_H = 70;
  const LAYER_COLOURS = ['#0877bd', '#f59322', '#2e7d32', '#8e24aa', '#c62828', '#00838f', '#5d4037'];
  function drawDoctorChart() {
    const c = $('doctor-chart');
    const ctx = c._ctx || (c._ctx = setupCanvas(c, DOC_W, DOC_H));
    ctx.clearRect(0, 0, DOC_W, DOC_H);
    ctx.fillStyle = '#fafafa'; ctx.fillRect(0, 0, DOC_W, DOC_H);
    const h = state.doctorHistory.filter((p) => p.g.some((v) => v));
    ctx.fillStyle = '#6b6f75'; ctx.font = '10px system-ui, sans-serif';
    ctx.fillText('log ‖∂C/∂W‖ per layer (BP2: watch the first layers)', 4, 10);
    if (h.length < 1) return;
    let lo = Infinity, hi = -Infinity;
    for (const p of h) for (const v of p.g) if (v > 0) { lo = Math.min(lo, Math.log10(v)); hi = Math.max(hi, Math.log10(v)); }
    if (!Number.isFinite(lo)) return;
    if (hi - lo < 1) { lo -= 0.5; hi += 0.5; }
    const e0 = h[0].epoch, e1 = Math.max(h[h.length - 1].epoch, e0 + 1);
    const X = (e) => 4 + (e - e0) / (e1 - e0) * (DOC_W - 8), Y = (v) => DOC_H - 4 - (Math.log10(v) - lo) / (hi - lo) * (DOC_H - 18);
    const L = h[h.length - 1].g.length;
    for (let l = 0; l < L; l++) {
      ctx.beginPath();
      let started = false;
      for (const p of h) {
        const v = p.g[l];
        if (!(v > 0)) continue;
        if (!started) { ctx.moveTo(X(p.epoch), Y(v)); started = true; } else ctx.lineTo(X(p.epoch), Y(v));
      }
      ctx.strokeStyle = LAYER_COLOURS[l % LAYER_COLOURS.length]; ctx.lineWidth = 1.3; ctx.stroke();
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fillText(`${l + 1}`, DOC_W - 10 - 10 * (L - 1 - l), 10);
    }
  }

  // ------------------------------------------------------------------ share
  async function copyLink() {
    updateUrl();
    const url = location.href;
    const box = $('share-url');
    box.value = url; box.hidden = false; box.select();
    try { await navigator.clipboard.writeText(url); setStatus('link copied: it reopens this run at this epoch'); }
    catch (err) { setStatus('copy the link from the box below the buttons'); }
  }

  // ------------------------------------------------------------------ your own model
  async function fileBase64(file) {
    const buf = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
    return btoa(bin);
  }
  async function uploadModel() {   // the model file, with the rows of data if a .csv is chosen too
    const file = $('model-file').files[0] || state.lastModelFile;
    if (!file) return;
    state.lastModelFile = file;
    const body = { filename: file.name, data: await fileBase64(file) };
    const data = $('model-data').files[0];
    if (data) { body.csv = await fileBase64(data); body.csv_name = data.name; }
    await openModel(body);
    $('model-file').value = '';
  }
  async function openModel(body) {
    let res;
    try { res = await api('POST', '/api/models', body); } catch (err) { return; }
    if (state.model) closeModel(true);
    hideMessage();
    state.model = res.info;
    state.modelTrace = null;
    const info = res.info;
    info.decoded = info.layers.map((l) => ({ W: b64f32(l.W), b: b64f32(l.b) }));
    $('model-title').textContent = `Your model: ${info.name} (${info.source}), ${info.params} weights`;
    const last = info.history && info.history.epochs ? Object.entries(info.history.last)
      .map(([k, v]) => `${k} ${fmt(v, 4)}`).join(', ') : '';
    $('model-note').textContent = (info.data_note || '') +
      (last ? `. Its training: ${info.history.epochs} epochs, at the end ${last}.` : '');
    for (const [id, pick] of [['model-x', 0], ['model-y', Math.min(1, info.n_inputs - 1)]]) {
      fillSelect(id, info.features.map((f, i) => ({ key: i, label: f })));
      $(id).value = String(pick);
    }
    const lastLayer = info.layers[info.layers.length - 1];
    fillSelect('model-output', Array.from({ length: lastLayer.units }, (_, k) => ({ key: k, label: `unit ${k + 1}` })));
    $('model-trace').disabled = !info.can_trace;
    $('model-row').max = info.rows ? info.rows - 1 : 0;
    $('model-trace-body').innerHTML = '';
    const doctorBox = $('model-doctor');
    const table = el('div'); const findings = el('div', { class: 'findings' });
    doctorBox.innerHTML = '';
    doctorBox.appendChild(el('h2', {}, 'Health of its layers'));
    doctorBox.appendChild(findings); doctorBox.appendChild(table);
    renderDoctor(info.doctor, table, findings, false);
    const weights = $('model-weights');
    weights.innerHTML = '';
    info.layers.forEach((l, k) => {
      const [nIn, nOut] = l.shape, rows = Math.min(nIn, 12), cols = Math.min(nOut, 12);
      const W = info.decoded[k].W;
      const data = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => W[i * nOut + j]));
      const more = nIn > rows || nOut > cols ? `${nIn} × ${nOut} in all; the first ${rows} × ${cols} shown` : '';
      weights.appendChild(matrix(`W of ${l.name} (f = ${l.activation})`, data,
        (i) => (k === 0 ? info.features[i] : String(i + 1)), null, more));
    });
    $('model-panel').hidden = false;
    layoutModelNetwork();
    await loadModelResponse();
    $('model-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
  function closeModel(quiet) {
    if (!state.model) return;
    const id = state.model.id;
    state.model = null; state.modelResponse = null;
    $('model-panel').hidden = true;
    fetch(`/api/models/${id}/close`, { method: 'POST', headers: authHeaders(), keepalive: true }).catch(() => {});
  }
  async function loadModelResponse() {
    const m = state.model;
    if (!m) return;
    const x = Number($('model-x').value), y = Number($('model-y').value);
    try {
      state.modelResponse = await api('POST', `/api/models/${m.id}/response`, { x, y });
    } catch (err) { return; }
    drawModelResponse();
  }
  const MODEL_R = 340;
  function drawModelResponse() {
    const r = state.modelResponse, m = state.model;
    if (!r || !m) return;
    const c = $('model-response');
    const ctx = c._ctx || (c._ctx = setupCanvas(c, MODEL_R, MODEL_R));
    let img, lo, hi, what;
    const hv = state.modelHover;
    if (hv && hv.layer > 0 && r.maps[hv.layer - 1] && hv.unit < m.max_shown_units) {
      const map = r.maps[hv.layer - 1];
      [lo, hi] = [map.lo, map.hi];
      img = mapCanvas(`model-n-${hv.layer}-${hv.unit}`, r.thumb_res, b64bytes(map.data), hv.unit * r.thumb_res * r.thumb_res, lo, hi, false);
      what = `${m.layers[hv.layer - 1].name} unit ${hv.unit + 1} (hover)`;
    } else {
      const k = Number($('model-output').value) || 0;
      const out = r.outputs[k];
      [lo, hi] = [out.lo, out.hi];
      img = mapCanvas('model-out', r.res, b64bytes(out.data), 0, lo, hi, false);
      what = `output unit ${k + 1}`;
    }
    ctx.clearRect(0, 0, MODEL_R, MODEL_R);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img, 0, 0, MODEL_R, MODEL_R);
    ctx.fillStyle = 'rgba(255,255,255,.85)'; ctx.fillRect(0, 0, MODEL_R, 18);
    ctx.fillStyle = '#000'; ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(`${what}: ${fmt(lo, 3)} (orange) … ${fmt(hi, 3)} (blue)`, 5, 13);
    c.dataset.showing = what;
    const fx = m.features[r.x], fy = m.features[r.y];
    $('model-response-note').textContent = `Across: ${fx} from ${fmt(r.x_range[0], 3)} to ${fmt(r.x_range[1], 3)}; ` +
      `up: ${fy} from ${fmt(r.y_range[0], 3)} to ${fmt(r.y_range[1], 3)}` +
      (m.n_inputs > 2 ? `; the other ${m.n_inputs - 2} feature(s) held at their ${m.rows ? 'means' : 'value 0'}.` : '.');
  }
  function layoutModelNetwork() {
    const m = state.model;
    const sizes = [m.n_inputs, ...m.layers.map((l) => l.units)];
    const cap = m.max_shown_units;
    const shown = sizes.map((n) => Math.min(n, cap));
    const R = 9, gap = 6, top = 28;
    const width = 520, height = top + Math.max(...shown) * (2 * R + gap) + 30;
    const L = sizes.length;
    const xs = sizes.map((_, l) => 60 + l * (width - 120) / Math.max(1, L - 1));
    const nodes = shown.map((n, l) => Array.from({ length: n }, (_, j) => ({
      x: xs[l], y: top + R + j * (2 * R + gap) + (Math.max(...shown) - n) * (R + gap / 2), layer: l, unit: j })));
    state.modelLayout = { width, height, nodes, sizes, R };
    const c = $('model-network');
    c._ctx = setupCanvas(c, width, height);
    drawModelNetwork();
  }
  function drawModelNetwork() {
    const m = state.model, lay = state.modelLayout;
    const ctx = $('model-network')._ctx;
    const { width, height, nodes, sizes, R } = lay;
    ctx.clearRect(0, 0, width, height);
    let maxW = 0;
    for (const d of m.decoded) for (const v of d.W) maxW = Math.max(maxW, Math.abs(v));
    for (let l = 1; l < nodes.length; l++) {
      const W = m.decoded[l - 1].W, nOut = sizes[l];
      for (const a of nodes[l - 1]) {
        for (const b of nodes[l]) {
          const w = W[a.unit * nOut + b.unit];
          ctx.beginPath(); ctx.moveTo(a.x + R, a.y); ctx.lineTo(b.x - R, b.y);
          ctx.strokeStyle = css(w / (maxW || 1), 0.7); ctx.lineWidth = 0.4 + 2.5 * Math.abs(w) / (maxW || 1);
          ctx.stroke();
        }
      }
    }
    ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    for (const col of nodes) {
      for (const n of col) {
        const hv = state.modelHover && state.modelHover.layer === n.layer && state.modelHover.unit === n.unit;
        let fill = '#fff';
        if (n.layer > 0) fill = css(Math.max(-1, Math.min(1, m.decoded[n.layer - 1].b[n.unit])), 1);
        ctx.beginPath(); ctx.arc(n.x, n.y, R, 0, 2 * Math.PI);
        ctx.fillStyle = fill; ctx.fill();
        ctx.lineWidth = hv ? 3 : 1; ctx.strokeStyle = hv ? '#000' : '#777'; ctx.stroke();
        if (n.layer === 0) { ctx.fillStyle = '#333'; ctx.textAlign = 'right'; ctx.fillText(m.features[n.unit].slice(0, 12), n.x - R - 4, n.y); }
      }
    }
    ctx.textAlign = 'center'; ctx.fillStyle = '#6b6f75';
    sizes.forEach((n, l) => {
      const label = l === 0 ? `${n} inputs` : `${m.layers[l - 1].name}: ${n} ${m.layers[l - 1].activation}`;
      ctx.fillText(label + (n > m.max_shown_units ? ` (${m.max_shown_units} shown)` : ''), nodes[l][0].x, 10);
    });
    ctx.textAlign = 'left';
    ctx.fillText('links: weights (blue +, orange −) · discs: biases · hover a neuron: its output at the right', 4, height - 8);
  }
  function onModelHover(ev) {
    if (!state.modelLayout) return;
    const rect = ev.currentTarget.getBoundingClientRect();
    const x = ev.clientX - rect.left, y = ev.clientY - rect.top;
    let hit = null;
    for (const col of state.modelLayout.nodes) for (const n of col) if (Math.hypot(n.x - x, n.y - y) <= state.modelLayout.R + 2) hit = n;
    const hv = hit ? { layer: hit.layer, unit: hit.unit } : null;
    if (JSON.stringify(hv) === JSON.stringify(state.modelHover)) return;
    state.modelHover = hv;
    drawModelNetwork();
    drawModelResponse();
  }
  window.playground.hoverModelNeuron = (layer, unit) => {
    state.modelHover = layer === null ? null : { layer, unit }; drawModelNetwork(); drawModelResponse();
  };
  async function traceModel() {
    const m = state.model;
    if (!m) return;
    const body = { row: Number($('model-row').value), rows: Number($('model-rows').value) };
    let tr;
    try { tr = await api('POST', `/api/models/${m.id}/trace`, body); } catch (err) { return; }
    state.modelTrace = tr;
    const box = $('model-trace-body');
    box.innerHTML = '';
    const clip = (a, r, c) => (a === null || a === undefined ? null :
      (Array.isArray(a[0]) ? a.slice(0, r).map((row) => row.slice(0, c)) : a.slice(0, c)));
    const rowLabel = (i) => `#${tr.rows[i]}`;
    const summary = el('p', { class: 'summary' });
    summary.textContent = `One training step on data rows ${tr.rows[0]}–${tr.rows[tr.rows.length - 1]} ` +
      `(${tr.optimizer}, η = ${fmt(tr.learning_rate)}), on a copy of your model: cost C = ${fmt(tr.loss, 6)} ` +
      `(${tr.loss_name}). At most 12 units per layer shown.`;
    box.appendChild(el('div', { class: 'stage' }, 'Backpropagation, layer by layer'));
    box.appendChild(summary);
    const inputs = el('div', { class: 'mats' });
    inputs.appendChild(matrix('a<sup>0</sup> = x (inputs)', clip(tr.layers[0].a_prev, 32, 12), rowLabel, tr.inputs.slice(0, 12)));
    inputs.appendChild(matrix('y (targets)', tr.targets.map((v) => (Array.isArray(v) ? v.slice(0, 12) : [v])), rowLabel, null));
    box.appendChild(inputs);
    let l = 0;
    for (const layer of tr.layers) {
      if (layer.class !== 'Dense') continue;
      l += 1;
      box.appendChild(el('h3', {}, `Layer ${l}: ${layer.name} (f = ${layer.activation})`));
      const row = el('div', { class: 'mats' });
      row.appendChild(matrix(`z<sup>${l}</sup>`, clip(layer.z, 32, 12), rowLabel, null));
      row.appendChild(matrix(`a<sup>${l}</sup>`, clip(layer.a, 32, 12), rowLabel, null));
      row.appendChild(matrix(`δ<sup>${l}</sup>`, clip(layer.delta, 32, 12), rowLabel, null));
      row.appendChild(matrix(`∂C/∂W<sup>${l}</sup> = (a<sup>${l - 1}</sup>)<sup>T</sup> δ<sup>${l}</sup>`, clip(layer.dC_dW, 12, 12), null, null));
      row.appendChild(matrix(`∂C/∂b<sup>${l}</sup> = Σ δ<sup>${l}</sup>`, clip(layer.dC_db, 1, 12), null, null));
      row.appendChild(matrix(`ΔW<sup>${l}</sup>`, clip(layer.kernel_update, 12, 12), null, null));
      box.appendChild(row);
    }
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
    closeModel(true);
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
      const fromUrl = parseUrl();
      state.params = Object.assign({}, state.options.defaults, fromUrl.params);
      state.urlEpoch = fromUrl.epoch;
      applyView(fromUrl);
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
