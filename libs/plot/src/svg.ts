// SVG building blocks: the frame (title, axes, grid, legend) every chart shares.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Scale } from './scale.ts';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export const W = 720;
export const H = 420;
export const M = { top: 40, right: 170, bottom: 56, left: 72 };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface Frame {
  title: string;
  xLabel?: string;
  yLabel?: string;
  x?: Scale;
  /** Category labels along x instead of a numeric scale: [label, centre px]. */
  xCategories?: [string, number][];
  y: Scale;
  legend: string[];
  body: string;
}

export function frame(f: Frame): string {
  const x0 = M.left, x1 = W - M.right, y0 = H - M.bottom, y1 = M.top;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(x0 + x1) / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(f.title)}</text>`,
  ];
  for (const t of f.y.ticks) {
    const py = f.y(t);
    parts.push(`<line x1="${x0}" x2="${x1}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 - 6}" y="${py + 4}" text-anchor="end">${esc(f.y.format(t))}</text>`);
  }
  if (f.x) {
    for (const t of f.x.ticks) {
      const px = f.x(t);
      parts.push(`<line x1="${px}" x2="${px}" y1="${y0}" y2="${y1}" stroke="#f0f0f0"/>`);
      parts.push(`<text x="${px}" y="${y0 + 18}" text-anchor="middle">${esc(f.x.format(t))}</text>`);
    }
  }
  for (const [label, px] of f.xCategories ?? []) {
    parts.push(`<text x="${px}" y="${y0 + 18}" text-anchor="middle">${esc(label)}</text>`);
  }
  parts.push(`<line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}" stroke="black"/>`);
  parts.push(`<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y1}" stroke="black"/>`);
  if (f.xLabel) parts.push(`<text x="${(x0 + x1) / 2}" y="${H - 14}" text-anchor="middle">${esc(f.xLabel)}</text>`);
  if (f.yLabel) parts.push(`<text transform="translate(18 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${esc(f.yLabel)}</text>`);
  parts.push(f.body);
  f.legend.forEach((name, i) => {
    const ly = M.top + 8 + i * 20;
    parts.push(`<rect x="${x1 + 16}" y="${ly - 9}" width="14" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`);
    parts.push(`<text x="${x1 + 36}" y="${ly}">${esc(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export function writeSvg(path: string, svg: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return path;
}
