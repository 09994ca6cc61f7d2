/**
 * Draws integer lengths from a {@linkcode Distribution}: fixed, uniform,
 * normal or log-normal, rounded and clamped to [1, max], from a seeded
 * generator so the same seed gives the same lengths. The normal and
 * log-normal samplers (`@stdlib`, about 0.14 s to import) are imported only
 * when such a distribution is drawn from.
 *
 * @module
 */

import type { Distribution } from "../config/workload.ts";
import type { Random } from "../util/random.ts";

/**
 * A function that draws one length from `dist` per call.
 *
 * Log-normal `mean` and `std` are those of the lengths themselves: the
 * underlying normal has σ² = ln(1 + std²/mean²) and μ = ln(mean) − σ²/2.
 *
 * @param dist The distribution.
 * @param rng The seeded generator to draw from.
 * @returns A drawing function; every value is an integer in [1, max]. Making it draws nothing.
 *
 * @example
 * ```ts
 * import { distributionSampler } from "./distribution.ts";
 * import { seededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal((await distributionSampler(64, seededRandom(0)))(), 64);
 * const u = await distributionSampler({ dist: "uniform", min: 2, max: 4 }, seededRandom(1));
 * for (let i = 0; i < 100; i++) assert.ok([2, 3, 4].includes(u()));
 * ```
 */
export async function distributionSampler(
  dist: Distribution,
  rng: Random,
): Promise<() => number> {
  if (typeof dist === "number") return () => dist;
  const prng = () => rng.next();
  const max = dist.dist === "uniform" ? dist.max : dist.max ?? Infinity;
  const clamp = (x: number) => Math.min(max, Math.max(1, Math.round(x)));
  switch (dist.dist) {
    case "uniform": {
      const span = dist.max - dist.min + 1;
      return () => dist.min + Math.min(span - 1, Math.floor(rng.next() * span));
    }
    case "normal": {
      const { default: normal } = await import("npm:@stdlib/random-base-normal@^0.2.2");
      const draw = normal.factory(dist.mean, dist.std === 0 ? 1e-12 : dist.std, { prng });
      return () => clamp(draw());
    }
    case "lognormal": {
      const s2 = Math.log(1 + (dist.std * dist.std) / (dist.mean * dist.mean));
      const mu = Math.log(dist.mean) - s2 / 2;
      const { default: lognormal } = await import("npm:@stdlib/random-base-lognormal@^0.2.2");
      const draw = lognormal.factory(mu, Math.sqrt(s2) || 1e-12, { prng });
      return () => clamp(draw());
    }
  }
}

/**
 * Describes a distribution briefly, for descriptions and the console.
 *
 * @param dist The distribution.
 * @returns `512`, `uniform:256,1024`, `normal:512,64`, ... (the string syntax).
 *
 * @example
 * ```ts
 * import { formatDistribution } from "./distribution.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatDistribution({ dist: "normal", mean: 512, std: 64 }), "normal:512,64");
 * ```
 */
export function formatDistribution(dist: Distribution): string {
  if (typeof dist === "number") return String(dist);
  if (dist.dist === "uniform") return `uniform:${dist.min},${dist.max}`;
  return `${dist.dist}:${dist.mean},${dist.std}${dist.max === undefined ? "" : `,${dist.max}`}`;
}
