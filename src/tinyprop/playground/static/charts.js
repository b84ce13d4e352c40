// Drawing only: colours, the decision boundary, neuron pictures and the two charts.
// Every number drawn here comes from the server (tinyprop's engines); nothing is trained.

export const ORANGE = [245, 147, 34];
export const BLUE = [8, 119, 189];

// t in [-1, 1]: orange (negative) through white to blue (positive).
export function rgb(t) {
  const c = t < 0 ? ORANGE : BLUE;
  const s = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * s, 255 + (c[1] - 255) * s, 255 + (c[2] - 255) * s];
}

export function css(t, alpha = 1) {
  const [r, g, b] = rgb(t);
  return `rgba(${r | 0},${g | 0},${b | 0},${alpha})`;
}

const LUT = new Uint8ClampedArray(256 * 3);
for (let v = 0; v < 256; v++) {
  const c = rgb((v / 255) * 2 - 1);
  LUT.set([c[0], c[1], c[2]], v * 3);
}

export function decode(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// Paint n x n bytes (0..255, the server's scale) on a canvas of n x n pixels.
export function paintBytes(canvas, bytes) {
  const n = Math.round(Math.sqrt(bytes.length));
  if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  const d = img.data;
  for (let i = 0; i < bytes.length; i++) {
    const k = bytes[i] * 3;
    d[4 * i] = LUT[k]; d[4 * i + 1] = LUT[k + 1]; d[4 * i + 2] = LUT[k + 2]; d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// The boundary canvas: the output over the plane, then the points on top.
export class Boundary {
  constructor(canvas) {
    this.canvas = canvas;
    this.off = document.createElement("canvas");
    this.points = null;
  }
  setData(init) {
    this.bounds = init.bounds;
    this.problem = init.problem;
    this.range = init.output_range;
    this.train = init.train;
    this.test = init.test;
  }
  draw(bytes, showTest) {
    paintBytes(this.off, bytes);
    const c = this.canvas, ctx = c.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.off, 0, 0, c.width, c.height);
    this.drawPoints(ctx, this.train, "#fff");
    if (showTest) this.drawPoints(ctx, this.test, "#000");
  }
  drawPoints(ctx, set, stroke) {
    if (!set) return;
    const [x0, x1, y0, y1] = this.bounds, w = this.canvas.width, h = this.canvas.height;
    const m = Math.max(Math.abs(this.range[0]), Math.abs(this.range[1])) || 1;
    ctx.lineWidth = 1;
    ctx.strokeStyle = stroke;
    for (let i = 0; i < set.y.length; i++) {
      const [px, py] = set.X[i];
      const t = this.problem === "classification" ? (set.y[i] ? 1 : -1) : set.y[i] / m;
      ctx.beginPath();
      ctx.arc(((px - x0) / (x1 - x0)) * w, ((y1 - py) / (y1 - y0)) * h, 3, 0, 2 * Math.PI);
      ctx.fillStyle = css(t);
      ctx.fill();
      ctx.stroke();
    }
  }
}

// A line chart of several series over the step axis; log scale on request.
export function lineChart(canvas, series, { log = false, labels = [], colors = [] } = {}) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  let xmax = 1, ymin = Infinity, ymax = -Infinity;
  for (const s of series) {
    for (const [x, y] of s) {
      if (y === null || !Number.isFinite(y) || (log && y <= 0)) continue;
      const v = log ? Math.log10(y) : y;
      xmax = Math.max(xmax, x); ymin = Math.min(ymin, v); ymax = Math.max(ymax, v);
    }
  }
  if (!Number.isFinite(ymin)) return;
  if (!log) ymin = Math.min(0, ymin);
  if (ymax - ymin < 1e-9) ymax = ymin + 1;
  const pad = 4, X = (x) => pad + (x / xmax) * (w - 2 * pad);
  const Y = (v) => h - pad - ((v - ymin) / (ymax - ymin)) * (h - 2 * pad - 12);
  series.forEach((s, k) => {
    ctx.strokeStyle = colors[k] || "#333";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    for (const [x, y] of s) {
      if (y === null || !Number.isFinite(y) || (log && y <= 0)) { started = false; continue; }
      const v = log ? Math.log10(y) : y;
      if (started) ctx.lineTo(X(x), Y(v)); else ctx.moveTo(X(x), Y(v));
      started = true;
    }
    ctx.stroke();
  });
  ctx.font = "10px sans-serif";
  let lx = pad;
  labels.forEach((text, k) => {
    ctx.fillStyle = colors[k] || "#333";
    ctx.fillText(text, lx, 10);
    lx += ctx.measureText(text).width + 10;
  });
  ctx.fillStyle = "#666";
  const top = (log ? 10 ** ymax : ymax).toPrecision(3);
  ctx.fillText(top, w - ctx.measureText(top).width - 2, 10);
}
