import { describe, expect, it } from 'vitest';
import { commandForKey, shortcuts, type KeyInput } from './keys';

const press = (key: string, more: Partial<KeyInput> = {}): KeyInput => ({ key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...more });
const idle = { hasSelection: false };
const selecting = { hasSelection: true };

describe('the annotator keymap', () => {
  it('picks tools by letter, upper or lower case', () => {
    expect(commandForKey(press('v'), idle)).toEqual({ kind: 'tool', tool: 'select' });
    expect(commandForKey(press('R'), idle)).toEqual({ kind: 'tool', tool: 'rectangle' });
    expect(commandForKey(press('p'), idle)).toEqual({ kind: 'tool', tool: 'polygon' });
    expect(commandForKey(press('l'), idle)).toEqual({ kind: 'tool', tool: 'polyline' });
    expect(commandForKey(press('k'), idle)).toEqual({ kind: 'tool', tool: 'point' });
  });

  it('moves between frames with D, A and the side arrows, ten at a time with Shift', () => {
    expect(commandForKey(press('d'), idle)).toEqual({ kind: 'frame', step: 1 });
    expect(commandForKey(press('D', { shiftKey: true }), selecting)).toEqual({ kind: 'frame', step: 10 });
    expect(commandForKey(press('a'), selecting)).toEqual({ kind: 'frame', step: -1 });
    expect(commandForKey(press('ArrowRight'), idle)).toEqual({ kind: 'frame', step: 1 });
    expect(commandForKey(press('ArrowLeft', { shiftKey: true }), idle)).toEqual({ kind: 'frame', step: -10 });
    expect(commandForKey(press('ArrowUp'), idle)).toBeNull();
  });

  it('nudges with the arrows while a shape is selected, 10 px with Shift', () => {
    expect(commandForKey(press('ArrowRight'), selecting)).toEqual({ kind: 'nudge', dx: 1, dy: 0 });
    expect(commandForKey(press('ArrowUp', { shiftKey: true }), selecting)).toEqual({ kind: 'nudge', dx: 0, dy: -10 });
  });

  it('maps the modified keys to undo, redo, copy, paste, duplicate and select all, on Ctrl or Cmd', () => {
    expect(commandForKey(press('z', { ctrlKey: true }), idle)).toEqual({ kind: 'undo' });
    expect(commandForKey(press('Z', { metaKey: true, shiftKey: true }), idle)).toEqual({ kind: 'redo' });
    expect(commandForKey(press('y', { ctrlKey: true }), idle)).toEqual({ kind: 'redo' });
    expect(commandForKey(press('c', { metaKey: true }), idle)).toEqual({ kind: 'copy' });
    expect(commandForKey(press('v', { ctrlKey: true }), idle)).toEqual({ kind: 'paste' });
    expect(commandForKey(press('d', { ctrlKey: true }), idle)).toEqual({ kind: 'duplicate' });
    expect(commandForKey(press('a', { metaKey: true }), idle)).toEqual({ kind: 'selectAll' });
    expect(commandForKey(press('r', { ctrlKey: true }), idle)).toBeNull();
  });

  it('maps digits, Delete, Esc, Enter, H, 0 and ?', () => {
    expect(commandForKey(press('3'), idle)).toEqual({ kind: 'label', hotkey: 3 });
    expect(commandForKey(press('Backspace'), idle)).toEqual({ kind: 'delete' });
    expect(commandForKey(press('Delete'), idle)).toEqual({ kind: 'delete' });
    expect(commandForKey(press('Escape'), idle)).toEqual({ kind: 'cancel' });
    expect(commandForKey(press('Enter'), idle)).toEqual({ kind: 'finish' });
    expect(commandForKey(press('h'), idle)).toEqual({ kind: 'hide' });
    expect(commandForKey(press('0'), idle)).toEqual({ kind: 'fit' });
    expect(commandForKey(press('?', { shiftKey: true }), idle)).toEqual({ kind: 'help' });
    expect(commandForKey(press('3', { altKey: true }), idle)).toBeNull();
  });

  it('lists every key in the overlay', () => {
    const listed = shortcuts.map((shortcut) => shortcut.keys).join(' | ');
    for (const key of ['V', 'R', 'P', 'L', 'K', 'D or →', 'A or ←', '1–9', 'Delete / Backspace', 'Enter', 'Esc', 'H', 'Ctrl/Cmd+Z', 'Ctrl/Cmd+C', 'Ctrl/Cmd+V', 'Ctrl/Cmd+D', 'Ctrl/Cmd+A', '0', 'Space', '?']) {
      expect(listed).toContain(key);
    }
  });
});
