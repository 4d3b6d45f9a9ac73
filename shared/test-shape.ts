import type { Shape } from './annotations';

/** A shape for tests: no label, note or attributes, shown and unlocked; the test gives what it is about. */
export function testShape(shape: Pick<Shape, 'id' | 'frameId' | 'type' | 'points'> & Partial<Shape>): Shape {
  return { labelId: null, note: '', attributes: {}, hidden: false, locked: false, zIndex: 0, createdAt: 0, updatedAt: 0, ...shape };
}
