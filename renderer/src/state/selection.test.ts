import { beforeEach, describe, expect, it } from 'vitest';
import { useSelection } from './selection';

const order = ['a', 'b', 'c', 'd', 'e'];

describe('frame selection', () => {
  beforeEach(() => useSelection.getState().clear());

  it('selects one, toggles several, and extends a range from the anchor in either direction', () => {
    const s = useSelection.getState;
    s().selectOnly('B', 'b');
    s().selectRange('B', order, 'd');
    expect([...s().selected]).toEqual(['b', 'c', 'd']);
    s().selectRange('B', order, 'a');
    expect([...s().selected]).toEqual(['a', 'b']);
    s().toggle('B', 'e');
    expect([...s().selected].sort()).toEqual(['a', 'b', 'e']);
    s().toggle('B', 'a');
    expect([...s().selected].sort()).toEqual(['b', 'e']);
  });

  it('never mixes batches: acting in another batch starts a new selection', () => {
    const s = useSelection.getState;
    s().selectAll('B', order);
    expect(s().selected.size).toBe(5);
    s().toggle('C', 'x');
    expect([...s().selected]).toEqual(['x']);
    expect(s().batchId).toBe('C');
  });
});
