/**
 * A small seeded generator (32-bit state, a Weyl step then an integer hash): the same seed gives the same split on
 * every machine and every run, which Math.random cannot promise.
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/**
 * Which of `total` images (in export order) go to validation: exactly round(total × ratio) of them, chosen by a
 * seeded shuffle. One byte per image, so even a million frames cost a megabyte.
 */
export function validationPicks(total: number, ratio: number, seed: number): Uint8Array {
  const picks = new Uint8Array(total);
  const count = Math.min(total, Math.round(total * ratio));
  if (count === 0) return picks;
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  const random = seededRandom(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = swap;
  }
  for (let i = 0; i < count; i++) picks[order[i] ?? 0] = 1;
  return picks;
}
