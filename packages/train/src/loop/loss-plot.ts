/** A self-contained SVG of the loss curve (raw and smoothed), written beside the log. */
import { atomicWriteFileSync } from '@dynet/graph';
import { LogRecord } from './training-log';

const W = 720;
const H = 360;
const PAD = { left: 64, right: 16, top: 24, bottom: 40 };

export function lossCurveSvg(records: readonly LogRecord[], title: string): string {
  const pts = records.filter((r) => Number.isFinite(r.loss));
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="20" y="40">no steps logged yet</text></svg>\n`;
  const xMax = Math.max(1, ...pts.map((r) => r.step));
  const losses = pts.map((r) => r.loss);
  const [lo, hi] = [Math.min(...losses), Math.max(...losses)];
  const span = hi - lo || 1;
  const x = (s: number) => PAD.left + ((W - PAD.left - PAD.right) * s) / xMax;
  const y = (l: number) => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * (l - lo)) / span;
  const line = (vals: number[]) => vals.map((l, i) => `${x(pts[i].step).toFixed(1)},${y(l).toFixed(1)}`).join(' ');
  const alpha = 2 / (Math.min(50, Math.max(2, pts.length / 10)) + 1);
  const smooth: number[] = [];
  losses.forEach((l, i) => smooth.push(i === 0 ? l : alpha * l + (1 - alpha) * smooth[i - 1]));
  const ticks = [lo, lo + span / 2, hi]
    .map((v) => `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toPrecision(3)}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="black"/>`,
    ticks,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">step (last ${xMax})</text>`,
    `<polyline fill="none" stroke="#9ab" stroke-width="1" points="${line(losses)}"/>`,
    `<polyline fill="none" stroke="#c33" stroke-width="2" points="${line(smooth)}"/>`,
    `</svg>`,
    '',
  ].join('\n');
}

export function writeLossPlot(file: string, records: readonly LogRecord[], title: string): void {
  atomicWriteFileSync(file, new TextEncoder().encode(lossCurveSvg(records, title)));
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
