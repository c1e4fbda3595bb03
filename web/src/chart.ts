// A small line chart on a canvas: series of (x, y) points, auto-scaled axes, a legend. No chart library.

export interface Series { label: string; color: string; points: [number, number][] }

export function drawChart(canvas: HTMLCanvasElement, series: Series[], opts: { title: string; yMin?: number; yMax?: number }) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 480, h = canvas.clientHeight || 200;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const g = canvas.getContext('2d')!;
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, h);
  const pad = { l: 48, r: 12, t: 22, b: 24 };
  const all = series.flatMap(s => s.points).filter(p => Number.isFinite(p[1]));
  g.fillStyle = '#333'; g.font = '12px system-ui, sans-serif';
  g.fillText(opts.title, pad.l, 14);
  if (all.length === 0) { g.fillStyle = '#888'; g.fillText('no data yet', w / 2 - 30, h / 2); return; }
  let x0 = Math.min(...all.map(p => p[0])), x1 = Math.max(...all.map(p => p[0]));
  let y0 = opts.yMin ?? Math.min(...all.map(p => p[1])), y1 = opts.yMax ?? Math.max(...all.map(p => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const X = (x: number) => pad.l + (x - x0) / (x1 - x0) * (w - pad.l - pad.r);
  const Y = (y: number) => h - pad.b - (y - y0) / (y1 - y0) * (h - pad.t - pad.b);
  g.strokeStyle = '#ddd'; g.lineWidth = 1; g.fillStyle = '#666';
  for (let i = 0; i <= 4; i++) {
    const y = y0 + (y1 - y0) * i / 4;
    g.beginPath(); g.moveTo(pad.l, Y(y)); g.lineTo(w - pad.r, Y(y)); g.stroke();
    g.fillText(y.toPrecision(3), 4, Y(y) + 4);
  }
  g.fillText(String(Math.round(x0)), pad.l, h - 6);
  g.fillText(String(Math.round(x1)), w - pad.r - 24, h - 6);
  let lx = w - pad.r;
  for (const s of [...series].reverse()) {
    g.strokeStyle = s.color; g.lineWidth = 2; g.beginPath();
    s.points.filter(p => Number.isFinite(p[1])).forEach((p, i) => i ? g.lineTo(X(p[0]), Y(p[1])) : g.moveTo(X(p[0]), Y(p[1])));
    g.stroke();
    if (series.length > 1) {
      lx -= g.measureText(s.label).width + 24;
      g.fillStyle = s.color; g.fillRect(lx, 6, 10, 10); g.fillStyle = '#333'; g.fillText(s.label, lx + 14, 15);
    }
  }
}
