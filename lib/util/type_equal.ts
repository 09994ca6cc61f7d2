/**
 * Compile-time checks that a zod schema's inferred type and the type
 * declared for it are the same, so the two cannot drift:
 *
 * ```ts ignore
 * type _Check = Assert<Equal<Deep<z.output<typeof schema>>, Deep<Declared>>>;
 * ```
 *
 * @module
 */

/** Maps every level of a type to a plain object type (flattens intersections). */
export type Deep<T> = T extends object ? { [K in keyof T]: Deep<T[K]> } : T;

/** True only when A and B are the same type (optional markers included). */
export type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends (<G>() => G extends B ? 1 : 2)
  ? true
  : false;

/** Fails to compile unless its argument is `true`. */
export type Assert<T extends true> = T;
