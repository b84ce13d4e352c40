// The network diagram: neuron pictures, weight lines, and the backprop view's numbers.
// It only draws what the server sent (weights, activations, gradients from tinyprop).
import { css, decode, paintBytes } from "./charts.js";

const SVGNS = "http://www.w3.org/2000/svg";
const SIZE = 34, GAP = 44;

// 4 significant digits, a real minus sign (U+2212), no exponent for ordinary sizes.
export function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "nan";
  const a = Math.abs(x);
  let s;
  if (a === 0) s = "0";
  else if (a >= 1e-4 && a < 1e5) s = String(Number(x.toPrecision(4)));
  else s = x.toExponential(3);
  return s.replace("-", "\u2212");
}

const ACT_NAME = { tanh: "tanh", relu: "ReLU", sigmoid: "σ", linear: "id" };

export class Network {
  constructor(root, svg, tip) {
    this.root = root; this.svg = svg; this.tip = tip;
    this.view = "forward"; this.trace = null; this.phase = 0; this.sample = 0;
    this.onPhase = () => {};
  }

  build(init, labels) {
    this.sizes = init.sizes;
    this.settings = init.settings;
    this.labels = labels;
    this.trace = null;
    this.root.querySelectorAll(".neuron").forEach((n) => n.remove());
    this.svg.replaceChildren();
    const W = this.root.clientWidth || 620, H = this.root.clientHeight || 400;
    const C = this.sizes.length;
    this.pos = this.sizes.map((n, c) => {
      const x = 30 + (c * (W - 60 - SIZE)) / Math.max(1, C - 1);
      const y0 = (H - n * GAP) / 2 + (GAP - SIZE) / 2;
      return Array.from({ length: n }, (_, j) => [x, y0 + j * GAP]);
    });
    this.lines = [];
    for (let k = 0; k < C - 1; k++) {
      const rows = [];
      for (let j = 0; j < this.sizes[k + 1]; j++) {
        const row = [];
        for (let i = 0; i < this.sizes[k]; i++) row.push(this.makeLine(k, i, j));
        rows.push(row);
      }
      this.lines.push(rows);
    }
    this.neurons = this.sizes.map((n, c) => Array.from({ length: n }, (_, j) => this.makeNeuron(c, j)));
  }

  makeLine(k, i, j) {
    const [x1, y1] = this.pos[k][i], [x2, y2] = this.pos[k + 1][j];
    const attrs = { x1: x1 + SIZE, y1: y1 + SIZE / 2, x2, y2: y2 + SIZE / 2 };
    const line = document.createElementNS(SVGNS, "line");
    const hit = document.createElementNS(SVGNS, "line");
    for (const [a, v] of Object.entries(attrs)) { line.setAttribute(a, v); hit.setAttribute(a, v); }
    line.setAttribute("class", "link");
    hit.setAttribute("class", "hit");
    for (const el of [line, hit]) {
      el.dataset.layer = k; el.dataset.from = i; el.dataset.to = j;
    }
    hit.addEventListener("mouseover", (e) => this.showTip(e, this.lineTip(k, i, j), hit));
    hit.addEventListener("mousemove", (e) => this.moveTip(e));
    hit.addEventListener("mouseout", () => this.hideTip());
    this.svg.append(line);
    this.svg.append(hit);
    return line;
  }

  makeNeuron(c, j) {
    const div = document.createElement("div");
    div.className = "neuron";
    div.dataset.col = c; div.dataset.index = j;
    const [x, y] = this.pos[c][j];
    div.style.left = `${x}px`; div.style.top = `${y}px`;
    const canvas = document.createElement("canvas");
    canvas.width = 24; canvas.height = 24;
    const val = document.createElement("span");
    val.className = "val";
    div.append(canvas, val);
    if (c === 0) {
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = this.labels[this.settings.features[j]];
      div.append(name);
    }
    div.addEventListener("mouseover", (e) => this.showTip(e, this.neuronTip(c, j), div));
    div.addEventListener("mousemove", (e) => this.moveTip(e));
    div.addEventListener("mouseout", () => this.hideTip());
    this.root.append(div);
    return { div, canvas, val };
  }

  // ---- every frame ---------------------------------------------------------------------
  update(frame) {
    this.frame = frame;
    frame.neurons.forEach((col, c) => col.forEach((b64, j) => {
      const n = this.neurons[c] && this.neurons[c][j];
      if (n) paintBytes(n.canvas, decode(b64));
    }));
    if (this.view === "forward" || !this.trace) this.drawWeights(frame.weights);
  }

  drawWeights(weights) {
    this.lines.forEach((rows, k) => rows.forEach((row, j) => row.forEach((line, i) => {
      const w = weights[k][j][i];
      line.style.stroke = css(w > 0 ? 1 : -1, 0.85);
      line.style.strokeWidth = `${Math.min(8, 0.4 + 2 * Math.abs(w))}px`;
    })));
    if (this.view === "forward") this.neurons.flat().forEach((n) => { n.val.textContent = ""; });
  }

  // ---- the backprop view ---------------------------------------------------------------
  get nLinear() { return this.sizes.length - 1; }
  phaseName() {
    if (!this.trace) return "press “backprop step” to send one minibatch through";
    const L = this.nLinear;
    if (this.phase === 0) return `forward pass: ${this.trace.batch} samples, loss ${fmt(this.trace.loss)}`;
    if (this.phase <= L) return `backward pass: layer ${L - this.phase + 1} of ${L} (δ and ∂L/∂w)`;
    return `update: w ← w + Δw (${this.trace.optimizer}, lr ${fmt(this.trace.lr)})`;
  }
  revealed(k) { return this.trace && this.phase >= this.nLinear - k; }
  setTrace(trace) { this.trace = trace; this.phase = 0; this.renderBackprop(); }
  next() {
    if (!this.trace) return;
    this.phase = Math.min(this.phase + 1, this.nLinear + 1);
    this.renderBackprop();
  }
  showAll() { if (this.trace) { this.phase = this.nLinear + 1; this.renderBackprop(); } }

  renderBackprop() {
    this.onPhase(this.phaseName());
    const t = this.trace;
    if (!t || this.view !== "backprop") return;
    const n = Math.min(this.sample, t.batch - 1);
    this.lines.forEach((rows, k) => {
      const lay = t.layers[k];
      const shown = this.revealed(k);
      const after = this.phase > this.nLinear;
      let gmax = 1e-12;
      if (shown) lay.w_grad.forEach((r) => r.forEach((g) => { gmax = Math.max(gmax, Math.abs(g)); }));
      rows.forEach((row, j) => row.forEach((line, i) => {
        if (shown) {  // colour: the update's direction; width: |gradient| in this layer
          const g = lay.w_grad[j][i];
          line.style.stroke = css(g > 0 ? -1 : 1, 0.9);
          line.style.strokeWidth = `${0.4 + (6 * Math.abs(g)) / gmax}px`;
        } else {
          const w = (after ? lay.w_after : lay.w)[j][i];
          line.style.stroke = "rgba(150,150,150,0.5)";
          line.style.strokeWidth = `${Math.min(6, 0.4 + 2 * Math.abs(w))}px`;
        }
      }));
    });
    this.neurons.forEach((col, c) => col.forEach((nr, j) => {
      const v = this.values(c, j, n);
      let text = `a ${fmt(v.a)}`;
      if (c > 0 && this.revealed(c - 1)) text += `\nδ ${fmt(v.delta)}`;
      nr.val.textContent = text;
    }));
  }

  // The numbers of neuron j in column c for sample n (all from the trace).
  values(c, j, n) {
    const t = this.trace, L = this.nLinear;
    if (c === 0) return { a: t.layers[0].a[n][j] };
    const prev = t.layers[c - 1];
    const v = { z: prev.z[n][j], delta: prev.delta[n][j] };
    if (c < L) {
      const lay = t.layers[c];
      Object.assign(v, { a: lay.a[n][j], h: lay.hidden[n][j], g: lay.dL_da[n][j],
        fp: lay.fprime[n][j], mask: lay.mask[n][j], act: lay.activation });
    } else {
      v.a = v.z;
      v.p = t.prediction[n][j];
    }
    return v;
  }

  // ---- tooltips ------------------------------------------------------------------------
  showTip(e, html, el) {
    this.tip.innerHTML = html;
    this.tip.dataset.for = el.dataset.layer !== undefined
      ? `line ${el.dataset.layer} ${el.dataset.from} ${el.dataset.to}`
      : `neuron ${el.dataset.col} ${el.dataset.index}`;
    this.tip.hidden = false;
    this.moveTip(e);
  }
  moveTip(e) {
    if (e.clientX === undefined) return;
    this.tip.style.left = `${e.clientX + 14}px`;
    this.tip.style.top = `${e.clientY + 14}px`;
  }
  hideTip() { this.tip.hidden = true; }

  lineTip(k, i, j) {
    const from = k === 0 ? this.labels[this.settings.features[i]] : `a${i + 1} (layer ${k})`;
    const head = `<b>weight w</b> from ${from} to neuron ${j + 1} of ${k + 1 === this.nLinear ? "the output" : `layer ${k + 1}`}`;
    const t = this.trace;
    if (this.view !== "backprop" || !t) {
      const w = this.frame ? this.frame.weights[k][j][i] : NaN;
      return `${head}<div class="formula" data-kind="w">w = ${fmt(w)}</div>`;
    }
    const lay = t.layers[k], B = t.batch;
    const lines = [`<div class="formula" data-kind="w">w = ${fmt(lay.w[j][i])}</div>`];
    if (!this.revealed(k)) {
      const n = Math.min(this.sample, B - 1);
      lines.push(`<div class="formula">w · a_i = ${fmt(lay.w[j][i])} × ${fmt(lay.a[n][i])} = ${fmt(lay.w[j][i] * lay.a[n][i])} (sample ${n + 1}, part of z_j)</div>`);
      return head + lines.join("");
    }
    const terms = [];
    for (let n = 0; n < Math.min(B, 3); n++) terms.push(`${fmt(lay.delta[n][j])} × ${fmt(lay.a[n][i])}`);
    const more = B > 3 ? ` + … (${B} samples)` : "";
    const sum = B > 1 ? "Σₙ δ_j · a_i" : "δ_j · a_i";
    lines.push(`<div class="formula" data-kind="dw">∂L/∂w = ${sum} = ${terms.join(" + ")}${more} = ${fmt(lay.w_grad_data[j][i])}</div>`);
    if (t.reg !== "none" && t.reg_rate > 0) {
      const term = t.reg === "l1" ? `λ·sign(w) = ${fmt(t.reg_rate)} × ${fmt(Math.sign(lay.w[j][i]))}`
        : `λ·w = ${fmt(t.reg_rate)} × ${fmt(lay.w[j][i])}`;
      lines.push(`<div class="formula" data-kind="penalty">+ ${term} = ${fmt(lay.w_grad_penalty[j][i])}</div>`);
    }
    lines.push(`<div class="formula" data-kind="grad">∂L/∂w = ${fmt(lay.w_grad[j][i])}</div>`);
    if (this.phase > this.nLinear) {
      const dw = lay.w_update[j][i];
      if (t.optimizer === "sgd") {
        lines.push(`<div class="formula" data-kind="update">Δw = −lr · ∂L/∂w = −${fmt(t.lr)} × ${fmt(lay.w_grad[j][i])} = ${fmt(dw)}</div>`);
      } else {
        lines.push(`<div class="formula" data-kind="update">Δw = ${fmt(dw)} (${t.optimizer}'s step from ∂L/∂w and its running averages)</div>`);
      }
      lines.push(`<div class="formula" data-kind="after">w: ${fmt(lay.w[j][i])} → ${fmt(lay.w_after[j][i])}</div>`);
    }
    return head + lines.join("");
  }

  neuronTip(c, j) {
    const t = this.trace, L = this.nLinear;
    const where = c === 0 ? `input ${this.labels[this.settings.features[j]]}` : c === L ? `output ${j + 1}` : `neuron ${j + 1} of layer ${c}`;
    const scales = this.frame ? this.frame.scales[c] : null;
    const picture = scales ? `<div class="note">picture: its output over the plane, colour scale ±${fmt(scales[Math.min(j, scales.length - 1)])}</div>` : "";
    if (this.view !== "backprop" || !t) return `<b>${where}</b>${picture}`;
    const n = Math.min(this.sample, t.batch - 1);
    const v = this.values(c, j, n);
    const out = [`<b>${where}</b>, sample ${n + 1} of ${t.batch}`];
    if (c === 0) {
      out.push(`<div class="formula" data-kind="a">a = ${fmt(v.a)}</div>`);
      return out.join("");
    }
    out.push(`<div class="formula" data-kind="z">z_j = Σ_i w_ji · a_i + b_j = ${fmt(v.z)}</div>`);
    if (c < L) {
      const f = ACT_NAME[v.act] || v.act;
      let a = `a_j = ${f}(z_j) = ${f}(${fmt(v.z)}) = ${fmt(v.h)}`;
      if (t.dropout > 0) a += `; after dropout a_j = ${fmt(v.mask)} × ${fmt(v.h)} = ${fmt(v.a)}`;
      out.push(`<div class="formula" data-kind="a">${a}</div>`);
      if (this.revealed(c - 1)) {
        out.push(`<div class="formula" data-kind="dLda">∂L/∂a_j = Σ_k w_kj · δ_k = ${fmt(v.g)}</div>`);
        const m = t.dropout > 0 ? ` · m_j` : "";
        const mv = t.dropout > 0 ? ` × ${fmt(v.mask)}` : "";
        out.push(`<div class="formula" data-kind="delta">δ_j = ∂L/∂a_j${m} · f′(z_j) = ${fmt(v.g)}${mv} × ${fmt(v.fp)} = ${fmt(v.delta)}</div>`);
      }
    } else {
      if (t.problem === "classification") {
        out.push(`<div class="formula" data-kind="a">p_j = softmax(z)_j = ${fmt(v.p)}</div>`);
        if (this.revealed(c - 1)) {
          const y = t.y[n] === j ? 1 : 0;
          out.push(`<div class="formula" data-kind="delta">δ_j = (p_j − y_j) / B = (${fmt(v.p)} − ${y}) / ${t.batch} = ${fmt(v.delta)}</div>`);
        }
      } else if (this.revealed(c - 1)) {
        const y = Array.isArray(t.y[n]) ? t.y[n][0] : t.y[n];
        out.push(`<div class="formula" data-kind="delta">δ = 2 (ŷ − y) / B = 2 × (${fmt(v.z)} − ${fmt(y)}) / ${t.batch} = ${fmt(v.delta)}</div>`);
      }
    }
    return out.join("") + picture;
  }
}
