export type Tool = 'select' | 'rectangle' | 'polygon' | 'polyline' | 'point';

export const tools: readonly { tool: Tool; name: string; key: string }[] = [
  { tool: 'select', name: 'Select', key: 'V' },
  { tool: 'rectangle', name: 'Rectangle', key: 'R' },
  { tool: 'polygon', name: 'Polygon', key: 'P' },
  { tool: 'polyline', name: 'Polyline', key: 'L' },
  { tool: 'point', name: 'Point', key: 'K' },
];

export type Command =
  | { kind: 'tool'; tool: Tool }
  | { kind: 'frame'; step: number }
  | { kind: 'nudge'; dx: number; dy: number }
  | { kind: 'label'; hotkey: number }
  | { kind: 'delete' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'copy' }
  | { kind: 'paste' }
  | { kind: 'duplicate' }
  | { kind: 'selectAll' }
  | { kind: 'cancel' }
  | { kind: 'finish' }
  | { kind: 'hide' }
  | { kind: 'fit' }
  | { kind: 'help' };

/** The parts of a KeyboardEvent the keymap reads, so it can be tested without a DOM. */
export interface KeyInput {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

const toolKeys: Record<string, Tool> = { v: 'select', r: 'rectangle', p: 'polygon', l: 'polyline', k: 'point' };

/**
 * What a key does on the canvas. Arrows nudge while something is selected and change frames otherwise, as
 * people expect both from one key and the selection tells which they mean.
 */
export function commandForKey(event: KeyInput, context: { hasSelection: boolean }): Command | null {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (mod && !event.altKey) {
    if (key === 'z') return { kind: event.shiftKey ? 'redo' : 'undo' };
    if (key === 'y') return { kind: 'redo' };
    if (key === 'c' && !event.shiftKey) return { kind: 'copy' };
    if (key === 'v' && !event.shiftKey) return { kind: 'paste' };
    if (key === 'd' && !event.shiftKey) return { kind: 'duplicate' };
    if (key === 'a' && !event.shiftKey) return { kind: 'selectAll' };
    return null;
  }
  if (mod || event.altKey) return null;
  const step = event.shiftKey ? 10 : 1;
  const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  const arrow = arrows[key];
  if (arrow) {
    if (context.hasSelection) return { kind: 'nudge', dx: arrow[0] * step, dy: arrow[1] * step };
    return arrow[0] === 0 ? null : { kind: 'frame', step: arrow[0] * step };
  }
  if (key === 'd') return { kind: 'frame', step };
  if (key === 'a') return { kind: 'frame', step: -step };
  if (key === '?') return { kind: 'help' };
  if (event.shiftKey) return null;
  const tool = toolKeys[key];
  if (tool) return { kind: 'tool', tool };
  if (/^[1-9]$/.test(key)) return { kind: 'label', hotkey: Number(key) };
  if (key === 'Delete' || key === 'Backspace') return { kind: 'delete' };
  if (key === 'Escape') return { kind: 'cancel' };
  if (key === 'Enter') return { kind: 'finish' };
  if (key === 'h') return { kind: 'hide' };
  if (key === '0') return { kind: 'fit' };
  return null;
}

/** Every key and gesture, for the `?` overlay; one list, so the overlay cannot drift from the keymap. */
export const shortcuts: readonly { keys: string; action: string }[] = [
  ...tools.map(({ name, key }) => ({ keys: key, action: `${name} tool` })),
  { keys: 'D or →', action: 'Next frame (Shift: 10 frames); → nudges instead while a shape is selected' },
  { keys: 'A or ←', action: 'Previous frame (Shift: 10 frames); ← nudges instead while a shape is selected' },
  { keys: 'Arrows', action: 'Nudge the selection by 1 px (Shift: 10 px)' },
  { keys: '1–9', action: 'Label of the selection, or of the next shape' },
  { keys: 'Delete / Backspace', action: 'Delete the selected vertex or shapes; while drawing, remove the last point' },
  { keys: 'Enter', action: 'Finish the polygon or polyline being drawn' },
  { keys: 'Esc', action: 'Cancel the shape being drawn, then clear the selection, then back to the project' },
  { keys: 'H', action: 'Hide or show the selection' },
  { keys: 'Ctrl/Cmd+Z', action: 'Undo' },
  { keys: 'Ctrl/Cmd+Shift+Z or Ctrl/Cmd+Y', action: 'Redo' },
  { keys: 'Ctrl/Cmd+C', action: 'Copy the selection' },
  { keys: 'Ctrl/Cmd+V', action: 'Paste onto this frame' },
  { keys: 'Ctrl/Cmd+D', action: 'Duplicate the selection' },
  { keys: 'Ctrl/Cmd+A', action: 'Select every shape on the frame' },
  { keys: '0', action: 'Fit the frame to the window' },
  { keys: 'Wheel', action: 'Zoom around the pointer' },
  { keys: 'Space + drag, or middle button drag', action: 'Pan' },
  { keys: 'Shift+click', action: 'Add a shape to the selection, or take it out' },
  { keys: 'Double-click an edge', action: 'Add a vertex there (polygon, polyline)' },
  { keys: 'Alt+click a vertex', action: 'Delete that vertex' },
  { keys: 'Click the first point', action: 'Close the polygon being drawn' },
  { keys: 'Click the last point again', action: 'Finish the polygon or polyline being drawn' },
  { keys: '?', action: 'Show or hide this list' },
];
