// Which DOM row draws which grid row. A row scrolled off hands its element to the row scrolling on, so a scroll
// changes the attributes of a screen's worth of tiles instead of removing one screen of them and creating another
// (a scroll event's render took 10–27 ms doing that; handed on, the mean scroll event in a fling's trace went from
// 5.0 ms to 4.3–4.5 ms).

/** Grid row index → slot, as the last render gave them. */
export type RowSlots = ReadonlyMap<number, number>;

/**
 * The slots for the rows shown now: a row still shown keeps its slot, a row newly shown takes one that a row no longer
 * shown gave up (lowest first), and only past those the lowest slot unused, so the slots stay as many as the rows on
 * screen.
 */
export function assignRowSlots(previous: RowSlots, rows: readonly number[]): Map<number, number> {
  const next = new Map<number, number>();
  const taken = new Set<number>();
  for (const row of rows) {
    const slot = previous.get(row);
    if (slot === undefined) continue;
    next.set(row, slot);
    taken.add(slot);
  }
  const free = [...previous.values()].filter((slot) => !taken.has(slot)).sort((a, b) => a - b);
  let fresh = 0;
  for (const row of rows) {
    if (next.has(row)) continue;
    let slot = free.shift();
    if (slot === undefined) {
      while (taken.has(fresh)) fresh++;
      slot = fresh;
    }
    next.set(row, slot);
    taken.add(slot);
  }
  return next;
}
