// The page: controls, the WebSocket to the server, and what each message redraws.
// Training happens in Python (tinyprop); this file sends settings and draws frames.
import { Boundary, decode, lineChart } from "./charts.js";
import { Network, fmt } from "./network.js";

const $ = (id) => document.getElementById(id);
const LABELS = { x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁·x₂", sinx1: "sin x₁", sinx2: "sin x₂" };
const SETS = { classification: ["circles", "xor", "gauss", "spiral", "moons"], regression: ["plane", "multigauss"] };
const CHOICES = {
  lr: [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  "batch-size": [1, 2, 5, 10, 20, 50, 100, 250],
  "reg-rate": [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10],
  dropout: [0, 0.1, 0.2, 0.3, 0.5],
  sigma: [0.01, 0.1, 0.3, 1, 3],
};
const FIELD = { lr: "lr", "batch-size": "batch_size", "reg-rate": "reg_rate", dropout: "dropout",
  sigma: "sigma", optimizer: "optimizer", reg: "reg", init: "init", engine: "engine", problem: "problem" };
const NUMERIC = new Set(["lr", "batch_size", "reg_rate", "dropout", "sigma", "noise", "train_ratio", "seed", "n_points"]);
const query = new URLSearchParams(location.search);
const token = query.get("token");

// What tests and benchmarks read: counters and timings of what the page has drawn.
const stats = { frames: 0, ticks: 0, inits: 0, traces: 0, latencies: [], errors: [] };
window.playground = { stats, state: () => state };

const state = { settings: null, init: null, frame: null, sid: null, playing: false,
  version: 0, pending: new Map(), history: [], grads: [] };
const boundary = new Boundary($("boundary"));
const net = new Network($("network"), $("links"), $("tip"));
net.onPhase = (text) => { $("bp-phase").textContent = text; };
let ws = null, requestId = 0;

function url(path, extra = {}) {
  const p = new URLSearchParams(extra);
  if (token) p.set("token", token);
  if (state.sid) p.set("sid", state.sid);
  return `${path}?${p}`;
}

function message(text, isError = false) {
  const m = $("message");
  m.textContent = text;
  m.className = isError ? "error" : "";
  if (isError) stats.errors.push(text);
}

function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }

// A settings change: remember when it was made, to time when it shows on the page.
function change(changes) {
  const id = ++requestId;
  state.pending.set(id, { t0: performance.now(), version: null });
  send({ type: "set", changes, id });
}

function shown(version) {  // a frame of this version is on screen: settle the timings
  for (const [id, p] of state.pending) {
    if (p.version !== null && version >= p.version) {
      stats.latencies.push(performance.now() - p.t0);
      state.pending.delete(id);
    }
  }
}

// ---- the URL fragment: every setting, so a link reproduces the page -------------------
function fragmentSettings() {
  const out = {};
  for (const [k, v] of new URLSearchParams(location.hash.slice(1))) out[k] = v;
  return out;
}
function writeFragment(s) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) p.set(k, Array.isArray(v) ? v.join(",") : String(v));
  history.replaceState(null, "", `${location.pathname}${location.search}#${p}`);
  const share = new URL(location.href);
  share.searchParams.delete("token");
  $("share-url").value = share.toString();
}

// ---- controls ------------------------------------------------------------------------------
function fillSelect(id, values) {
  const sel = $(id);
  sel.replaceChildren(...values.map((v) => new Option(String(v), String(v))));
}

function setupControls() {
  for (const [id, values] of Object.entries(CHOICES)) fillSelect(id, values);
  for (const [id, key] of Object.entries(FIELD)) {
    $(id).addEventListener("change", (e) => {
      const v = e.target.value;
      change({ [key]: NUMERIC.has(key) ? Number(v) : v });
    });
  }
  $("play").addEventListener("click", () => send({ type: state.playing ? "pause" : "play" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("noise").addEventListener("change", (e) => change({ noise: Number(e.target.value) }));
  $("noise").addEventListener("input", (e) => { $("noise-value").textContent = e.target.value; });
  $("train-ratio").addEventListener("change", (e) => change({ train_ratio: Number(e.target.value) }));
  $("train-ratio").addEventListener("input", (e) => { $("ratio-value").textContent = `${Math.round(e.target.value * 100)} %`; });
  $("seed").addEventListener("change", (e) => change({ seed: Number(e.target.value) }));
  $("regenerate").addEventListener("click", () => change({ seed: state.settings.seed + 1 }));
  $("add-layer").addEventListener("click", () => {
    const s = state.settings;
    if (s.hidden.length < 6) change({ hidden: [...s.hidden, 4], activations: [...s.activations, s.activations.at(-1) || "tanh"] });
  });
  $("remove-layer").addEventListener("click", () => {
    const s = state.settings;
    if (s.hidden.length > 0) change({ hidden: s.hidden.slice(0, -1), activations: s.activations.slice(0, -1) });
  });
  $("show-test").addEventListener("change", () => drawBoundary());
  $("csv-file").addEventListener("change", upload);
  for (const r of document.querySelectorAll("input[name=view]")) r.addEventListener("change", setView);
  $("bp-step").addEventListener("click", () => send({ type: "trace" }));
  $("bp-next").addEventListener("click", () => net.next());
  $("bp-all").addEventListener("click", () => net.showAll());
  $("bp-sample").addEventListener("change", (e) => { net.sample = Number(e.target.value); net.renderBackprop(); });
}

function setView() {
  net.view = $("view-backprop").checked ? "backprop" : "forward";
  $("bp-controls").hidden = net.view !== "backprop";
  if (net.view === "backprop") {
    if (state.playing) send({ type: "pause" });
    net.renderBackprop();
  } else if (state.frame) {
    net.drawWeights(state.frame.weights);
  }
}

async function upload(e) {
  const file = e.target.files[0];
  if (!file) return;
  $("csv-error").hidden = true;
  let reply;
  try {
    const r = await fetch(url("/upload", { name: file.name, problem: $("problem").value }), { method: "POST", body: file });
    reply = await r.json();
  } catch (err) {
    reply = { error: `the upload failed: ${err}` };
  }
  if (reply.error) {
    $("csv-error").textContent = reply.error;
    $("csv-error").hidden = false;
    stats.errors.push(reply.error);
  } else {
    message(`${file.name}: ${reply.rows} points (${reply.problem})`);
    send({ type: "reset" });  // the server switched to the table: fetch its points
  }
  e.target.value = "";
}

function layerControls(s) {
  const root = $("layer-controls");
  root.replaceChildren();
  const W = $("network").clientWidth || 620, C = s.hidden.length + 2;
  s.hidden.forEach((n, i) => {
    const div = document.createElement("div");
    div.className = "layer-control";
    div.style.left = `${30 + ((i + 1) * (W - 60 - 34)) / (C - 1) - 30}px`;
    const minus = document.createElement("button"), plus = document.createElement("button");
    minus.textContent = "−"; plus.textContent = "+";
    minus.className = "remove-neuron"; plus.className = "add-neuron";
    minus.dataset.layer = plus.dataset.layer = i;
    minus.addEventListener("click", () => { if (n > 1) change({ hidden: s.hidden.map((v, k) => (k === i ? v - 1 : v)) }); });
    plus.addEventListener("click", () => { if (n < 8) change({ hidden: s.hidden.map((v, k) => (k === i ? v + 1 : v)) }); });
    const act = document.createElement("select");
    act.className = "activation"; act.dataset.layer = i;
    for (const a of ["tanh", "relu", "sigmoid", "linear"]) act.append(new Option(a === "relu" ? "ReLU" : a, a));
    act.value = s.activations[i];
    act.addEventListener("change", () => change({ activations: s.activations.map((v, k) => (k === i ? act.value : v)) }));
    const count = document.createElement("span");
    count.textContent = `${n} neurons`;
    div.append(minus, count, plus, act);
    root.append(div);
  });
  $("n-layers").textContent = s.hidden.length;
}

function showSettings(s) {
  state.settings = s;
  for (const [id, key] of Object.entries(FIELD)) {
    const sel = $(id), v = String(s[key]);
    if (![...sel.options].some((o) => o.value === v)) sel.append(new Option(v, v));  // from a link
    sel.value = v;
  }
  $("noise").value = s.noise; $("noise-value").textContent = s.noise;
  $("train-ratio").value = s.train_ratio; $("ratio-value").textContent = `${Math.round(s.train_ratio * 100)} %`;
  $("seed").value = s.seed;
  $("sigma").disabled = s.init !== "normal";
  const sets = $("datasets");
  sets.replaceChildren(...[...SETS[s.problem], ...(state.init && state.init.has_table ? ["csv"] : [])].map((name) => {
    const b = document.createElement("button");
    b.className = `dataset${name === s.dataset ? " selected" : ""}`;
    b.dataset.dataset = name;
    b.textContent = name === "csv" ? "your CSV" : name;
    b.addEventListener("click", () => change({ dataset: name }));
    return b;
  }));
  $("features").replaceChildren(...Object.entries(LABELS).map(([name, label]) => {
    const l = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox"; box.className = "feature"; box.dataset.feature = name;
    box.checked = s.features.includes(name);
    box.addEventListener("change", () => {
      const next = Object.keys(LABELS).filter((f) => (f === name ? box.checked : s.features.includes(f)));
      change({ features: next });
    });
    l.append(box, ` ${label}`);
    return l;
  }));
  layerControls(s);
  writeFragment(s);
}

// ---- messages from the server -------------------------------------------------------------
function drawBoundary() {
  if (state.frame) boundary.draw(decode(state.frame.boundary), $("show-test").checked);
}

function drawCharts() {
  const h = state.history;
  lineChart($("loss-chart"), [h.map((p) => [p.step, p.train_loss]), h.map((p) => [p.step, p.test_loss])],
    { labels: ["train", "test"], colors: ["#333", "#f59322"] });
  const n = state.init ? state.init.sizes.length - 1 : 0;
  const colors = ["#0877bd", "#f59322", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
  const series = [];
  for (let k = 0; k < n; k++) series.push(state.grads.map((g) => [g[0], g[k + 1]]));
  lineChart($("grad-chart"), series, { log: true, labels: series.map((_, k) => `layer ${k + 1}`), colors });
}

function onFrame(f) {
  state.frame = f;
  $("epoch").textContent = f.epoch.toFixed(2);
  $("step-count").textContent = f.step;
  $("train-loss").textContent = fmt(f.loss.train_loss);
  $("test-loss").textContent = fmt(f.loss.test_loss);
  $("accuracy").textContent = f.loss.test_accuracy === null || f.loss.test_accuracy === undefined
    ? "" : `· test accuracy ${(100 * f.loss.test_accuracy).toFixed(1)} %`;
  const last = state.history.at(-1);
  if (!last || last.step !== f.loss.step) state.history.push(f.loss);
  if (f.grads && (!state.grads.length || state.grads.at(-1)[0] !== f.grads[0])) state.grads.push(f.grads);
  drawBoundary();
  net.update(f);
  drawCharts();
  if (f.diverged) message(f.diverged, true);
  stats.frames += 1;
  shown(f.version);
}

function onInit(m) {
  state.init = m;
  state.version = m.version;
  state.history = m.history.slice();
  state.grads = m.grad_history.slice();
  boundary.setData(m);
  showSettings(m.settings);
  net.build(m, LABELS);
  if (net.view === "backprop") net.renderBackprop();
  const s = m.settings;
  $("data-note").textContent = ["gauss", "plane", "multigauss"].includes(s.dataset)
    ? "generated by the playground in NumPy (tinyprop has no such generator)"
    : s.dataset === "csv" ? `your CSV: ${m.dataset_name}` : `tinyprop.data.make_${s.dataset}`;
  $("export-run").href = url("/export/run.zip");
  $("export-script").href = url("/export/script.py");
  $("export-note").textContent = m.evaluate_note;
  stats.inits += 1;
  onFrame(m.frame);
}

function onMessage(ev) {
  const m = JSON.parse(ev.data);
  switch (m.type) {
    case "hello": state.sid = m.sid; break;
    case "init": onInit(m); break;
    case "frame":
      onFrame(m);
      if (m.tick) { stats.ticks += 1; send({ type: "ack" }); }
      break;
    case "trace":
      if (m.error) { message(m.error, true); break; }
      onFrame(m.frame);
      $("bp-sample").replaceChildren(...m.trace.y.map((_, n) => new Option(`${n + 1}`, `${n}`)));
      net.sample = 0;
      net.setTrace(m.trace);
      stats.traces += 1;
      break;
    case "applied": {
      const p = state.pending.get(m.id);
      if (p) p.version = m.version;
      if (!m.ok) state.pending.delete(m.id);
      showSettings(m.settings);
      if (m.ok) message("");
      break;
    }
    case "state":
      state.playing = m.playing;
      $("play").textContent = m.playing ? "❚❚ pause" : "▶ play";
      break;
    case "error": message(m.message, true); break;
    default: break;
  }
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  ws = new WebSocket(`${proto}//${location.host}${url("/ws")}`);
  ws.onopen = () => send({ type: "hello", settings: fragmentSettings() });
  ws.onmessage = onMessage;
  ws.onclose = () => { message("the connection to the server closed; is `tinyprop playground` still running?", true); };
}

setupControls();
connect();
