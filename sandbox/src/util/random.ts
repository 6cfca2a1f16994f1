import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * A reproducible random source in [0, 1): the same seed gives the same draws on every run, so a shuffled
 * batch or a webhook fault picked by rate is the same in every test run. A text seed is hashed first.
 */
export function seededRandom(seed: number | string): () => number {
  const numeric = typeof seed === 'number' ? seed : createHash('sha256').update(seed).digest().readInt32BE(0);
  const generator = xoroshiro128plus(numeric);
  return () => uniformFloat64(generator);
}
