/**
 * A dependency-free SVG scatter/line plot for Pareto fronts: one series per policy family,
 * points labelled, lines joining a family's points in x order. Kept deliberately plain so the
 * SVG renders the same in browsers, GitHub and resvg.
 */

/** One plotted point. */
export interface PlotPoint {
  label: string;
  /** Points of a series are joined by a line and share a colour. */
  series: string;
  x: number;
  y: number;
}

/** What to draw. */
export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  points: readonly PlotPoint[];
  width?: number;
  height?: number;
  /** Force the axes to start at zero (default true). */
  fromZero?: boolean;
  subtitle?: string;
}

const PALETTE: Readonly<Record<string, string>> = {
  fixed: '#d62728',
  hybrid: '#2ca02c',
  learned: '#1f77b4',
  'learned:mlp': '#9467bd',
  'greedy-dual': '#ff7f0e',
  never: '#7f7f7f',
  oracle: '#000000',
};
const EXTRA = ['#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/** Renders the plot as an SVG document. */
export function renderSvg(spec: PlotSpec): string {
  const W = spec.width ?? 900;
  const H = spec.height ?? 600;
  const m = { l: 80, r: 200, t: spec.subtitle ? 70 : 50, b: 60 };
  const pts = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const zero = spec.fromZero ?? true;
  const [x0, x1] = niceRange(zero ? 0 : Math.min(...xs, 0), Math.max(...xs, 1e-9));
  const [y0, y1] = niceRange(zero ? 0 : Math.min(...ys, 0), Math.max(...ys, 1e-9));
  const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" font-size="17" text-anchor="middle" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${W / 2}" y="44" font-size="12" text-anchor="middle" fill="#444">${esc(spec.subtitle)}</text>`);
  for (const t of ticks(x0, x1)) {
    out.push(`<line x1="${px(t)}" y1="${m.t}" x2="${px(t)}" y2="${H - m.b}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${px(t)}" y="${H - m.b + 18}" font-size="12" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${m.l}" y1="${py(t)}" x2="${W - m.r}" y2="${py(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 8}" y="${py(t) + 4}" font-size="12" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 15}" font-size="13" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text x="20" y="${(m.t + H - m.b) / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 20 ${(m.t + H - m.b) / 2})">${esc(spec.yLabel)}</text>`);

  const series = [...new Set(pts.map((p) => p.series))];
  // Labels of nearby points would print on top of each other: nudge each below any taken slot.
  const taken: [number, number][] = [];
  const labelY = (x: number, y: number): number => {
    let ly = y;
    while (taken.some(([tx, ty]) => Math.abs(tx - x) < 90 && Math.abs(ty - ly) < 12)) ly += 12;
    taken.push([x, ly]);
    return ly;
  };
  const colour = (s: string, i: number): string => PALETTE[s] ?? EXTRA[i % EXTRA.length] ?? '#333';
  series.forEach((s, i) => {
    const c = colour(s, i);
    const sp = pts.filter((p) => p.series === s).sort((a, b) => a.x - b.x);
    if (sp.length > 1) {
      const d = sp.map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5" stroke-opacity="0.7"/>`);
    }
    for (const p of sp) {
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="5" fill="${c}"/>`);
      if (p.label) {
        const ly = labelY(px(p.x) + 7, py(p.y) - 7);
        out.push(`<text x="${(px(p.x) + 7).toFixed(1)}" y="${ly.toFixed(1)}" font-size="10" fill="${c}">${esc(p.label)}</text>`);
      }
    }
    const ly = m.t + 10 + i * 20;
    out.push(`<circle cx="${W - m.r + 20}" cy="${ly}" r="5" fill="${c}"/>`);
    out.push(`<text x="${W - m.r + 32}" y="${ly + 4}" font-size="12">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function niceRange(lo: number, hi: number): [number, number] {
  if (hi <= lo) hi = lo + 1;
  const step = niceStep((hi - lo) / 6);
  return [Math.floor(lo / step) * step, Math.ceil((hi * 1.05) / step) * step];
}

function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function ticks(lo: number, hi: number): number[] {
  const step = niceStep((hi - lo) / 6);
  const out: number[] = [];
  for (let t = lo; t <= hi + step / 1e6; t += step) out.push(Math.round(t / step) * step);
  return out;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 || Number.isInteger(x) ? x.toFixed(0) : x.toPrecision(3).replace(/\.?0+$/, '');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
