// The model's own seeded randomness: per-layer initialiser seeds and the per-epoch shuffle. Kept
// here rather than borrowed from the simulator so the model depends on nothing but tfjs.

/** mulberry32: 32-bit state, uniform in [0, 1); plenty for shuffling and deriving seeds. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fills `order` with a seeded Fisher-Yates permutation of 0..order.length-1. */
export function shuffledOrder(order: Uint32Array, random: () => number): Uint32Array {
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = order[i]!;
    order[i] = order[j]!;
    order[j] = a;
  }
  return order;
}
