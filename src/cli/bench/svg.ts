/**
 * A small SVG writer for the benchmark plots: warm-up curves (iteration time against
 * iteration, one line per mode, log scale) and grouped bars of steady-state ratios to a
 * baseline (log scale, a rule at 1×). Plain strings: the plots are simple and a plotting
 * library would pull a browser-sized dependency into the command line.
 */

export interface Series {
  label: string;
  values: readonly number[];
}

const COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(n: number): string {
  return Number(n.toFixed(1)).toString();
}

/** Powers of ten (and 2, 5 times them) covering [lo, hi], for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks;
}

function label(value: number): string {
  return value >= 1 ? String(Number(value.toPrecision(3))) : String(Number(value.toPrecision(2)));
}

function text(x: number, y: number, content: string, attrs = ""): string {
  return `<text x="${fmt(x)}" y="${fmt(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

export function warmupPlot(title: string, series: readonly Series[]): string {
  const width = 640;
  const height = 360;
  const left = 60;
  const right = 130;
  const top = 30;
  const bottom = 40;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = Math.min(...all) / 1.2;
  const hi = Math.max(...all) * 1.2;
  const count = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i: number): number => left + (i / (count - 1)) * (width - left - right);
  const y = (v: number): number =>
    top + (1 - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(left, 18, title, 'font-size="13" font-weight="bold"'),
  ];
  for (const t of logTicks(lo, hi)) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#ddd"/>`,
    );
    parts.push(text(left - 6, y(t) + 4, label(t), 'text-anchor="end"'));
  }
  parts.push(
    text(14, top + (height - top - bottom) / 2, "ms per iteration (log)", 'transform="rotate(-90 14 180)"'),
  );
  for (let i = 0; i < count; i++) {
    if (count <= 20 || i % 5 === 0)
      parts.push(text(x(i), height - bottom + 16, String(i + 1), 'text-anchor="middle"'));
  }
  parts.push(text(left + (width - left - right) / 2, height - 6, "iteration", 'text-anchor="middle"'));
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const points = s.values
      .map((v, i) => (v > 0 ? `${fmt(x(i))},${fmt(y(v))}` : ""))
      .filter((p) => p !== "")
      .join(" ");
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    parts.push(
      `<rect x="${width - right + 12}" y="${top + k * 18}" width="12" height="12" fill="${color}"/>`,
    );
    parts.push(text(width - right + 30, top + k * 18 + 10, s.label));
  });
  parts.push("</svg>\n");
  return parts.join("\n");
}

/** Grouped horizontal bars: for each program, one bar per mode, ratio to the baseline (null: no bar). */
export function ratioBars(
  title: string,
  programs: readonly string[],
  modes: readonly string[],
  ratios: readonly (readonly (number | null)[])[],
): string {
  const barHeight = 9;
  const groupHeight = modes.length * barHeight + 10;
  const left = 100;
  const right = 40;
  const top = 40;
  const width = 720;
  const height = top + programs.length * groupHeight + 50;
  const values = ratios.flat().filter((v): v is number => v !== null && v > 0);
  const lo = Math.min(0.5, ...values) / 1.2;
  const hi = Math.max(2, ...values) * 1.2;
  const x = (v: number): number =>
    left + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (width - left - right);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(left, 18, title, 'font-size="13" font-weight="bold"'),
  ];
  const axisBottom = top + programs.length * groupHeight;
  for (const t of logTicks(lo, hi)) {
    parts.push(`<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${top}" y2="${axisBottom}" stroke="#ddd"/>`);
    parts.push(text(x(t), axisBottom + 14, `${label(t)}×`, 'text-anchor="middle"'));
  }
  parts.push(
    `<line x1="${fmt(x(1))}" x2="${fmt(x(1))}" y1="${top - 4}" y2="${axisBottom}" stroke="black" stroke-width="1.5"/>`,
  );
  programs.forEach((program, p) => {
    const groupTop = top + p * groupHeight;
    parts.push(text(left - 8, groupTop + (modes.length * barHeight) / 2 + 4, program, 'text-anchor="end"'));
    modes.forEach((_mode, m) => {
      const value = ratios[p]?.[m] ?? null;
      if (value === null || !(value > 0)) return;
      const y = groupTop + m * barHeight;
      const x0 = Math.min(x(1), x(value));
      const w = Math.max(1, Math.abs(x(value) - x(1)));
      parts.push(
        `<rect x="${fmt(x0)}" y="${fmt(y)}" width="${fmt(w)}" height="${barHeight - 2}" fill="${COLORS[m % COLORS.length]}"/>`,
      );
    });
  });
  modes.forEach((mode, m) => {
    const lx = left + m * 85;
    parts.push(
      `<rect x="${lx}" y="${height - 22}" width="12" height="12" fill="${COLORS[m % COLORS.length]}"/>`,
    );
    parts.push(text(lx + 16, height - 12, mode));
  });
  parts.push("</svg>\n");
  return parts.join("\n");
}
