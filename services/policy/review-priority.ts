/**
 * Order of the review queue: likely fraud first, and among equals the larger amount, because a
 * missed large fraud costs more. Age breaks ties in the queue itself (oldest first).
 */
export function reviewPriority(probability: number, amount: number): number {
  return probability * (1 + Math.log10(1 + Math.max(0, amount)));
}
