import type { Label, Shape } from '../../../shared/annotations';

/**
 * Label colours for new labels: saturated, far apart in hue, and each readable as a stroke on both dark and
 * bright footage; the panel shows the name in the theme's text colour beside a swatch, so no colour carries text.
 */
export const labelPalette = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#bfef45',
  '#469990',
  '#9a6324',
  '#ffe119',
  '#800000',
] as const;

/** Relative luminance of a #rrggbb colour, as WCAG defines it for contrast. */
function luminance(color: string): number {
  const [r = 0, g = 0, b = 0] = [1, 3, 5].map((at) => {
    const channel = parseInt(color.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Near-black or white, whichever reads better on a label's colour: dark text alone fell to 1.7:1 on maroon and
 * under 4.5:1 on the palette's red, blue, purple and brown. Every palette colour gets at least 4.5:1 this way.
 */
export function textOnLabel(color: string): '#111111' | '#ffffff' {
  const background = luminance(color);
  const onDark = 1.05 / (background + 0.05);
  const onLight = (background + 0.05) / (luminance('#111111') + 0.05);
  return onLight >= onDark ? '#111111' : '#ffffff';
}

export function nextColor(labels: readonly Label[]): string {
  const used = new Set(labels.map((label) => label.color));
  return labelPalette.find((color) => !used.has(color)) ?? labelPalette[labels.length % labelPalette.length] ?? '#e6194b';
}

/** The lowest digit no label has taken, so the first nine labels each get a key without the person asking. */
export function freeHotkey(labels: readonly Label[]): number | null {
  const used = new Set(labels.map((label) => label.hotkey));
  for (let key = 1; key <= 9; key++) if (!used.has(key)) return key;
  return null;
}

/** A stable key for a new attribute, made from its name: letters, digits and _, starting with a letter. */
export function attributeKey(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^[^A-Za-z]+/, '')
      .replace(/_+$/, '')
      .slice(0, 36) || 'attribute';
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
  return key;
}

/**
 * How many shapes the host said use a label, read from its refusal to delete it ("3 shapes use “Car”. …"); null
 * when the message says no number, and the dialog then names no count.
 */
export function shapesInUse(message: string): number | null {
  const match = /^([\d,.\s]+?)\s+shapes?\s+uses?\b/.exec(message);
  if (!match?.[1]) return null;
  const count = Number(match[1].replace(/[^\d]/g, ''));
  return Number.isFinite(count) ? count : null;
}

/** How the shapes list names a shape: its place, label and kind, and whether it is hidden or locked. */
export function shapeTitle(shape: Shape, position: number, label: Label | undefined): string {
  const flags = [shape.hidden ? 'hidden' : '', shape.locked ? 'locked' : ''].filter(Boolean);
  return `${position}. ${label?.name ?? 'No label'} ${shape.type}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
}

/** Where the shape is, in the frame's own pixels, as the panel states it. */
export function shapeGeometry(shape: Shape): string {
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = shape.points.map((value) => Math.round(value));
  switch (shape.type) {
    case 'rectangle':
      return `Box at x ${x1}, y ${y1}, ${x2 - x1} × ${y2 - y1} px`;
    case 'point':
      return `Point at x ${x1}, y ${y1}`;
    case 'polygon':
    case 'polyline':
      return `${shape.points.length / 2} points, the first at x ${x1}, y ${y1}`;
  }
}
