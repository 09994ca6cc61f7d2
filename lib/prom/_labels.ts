/**
 * Prometheus label names from user tags: a tag such as `commit-sha` is not
 * a valid label name, so it is written `commit_sha`; a tag that would clash
 * with one of splleed's own labels is refused.
 *
 * @module
 */

const VALID = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Turns tags into constant labels with valid names.
 *
 * @param labels Tags (`{ branch: "main", "commit-sha": "abc" }`).
 * @param reserved Label names splleed sets itself.
 * @param where What the labels are for, in error messages (`"prometheus.labels"`).
 * @returns The labels with names made valid (`[^a-zA-Z0-9_]` → `_`, a leading digit prefixed `_`).
 * @throws {RangeError} When a name is empty, starts with `__` (reserved by Prometheus), clashes with
 *   a reserved one, or two tags map to the same name.
 */
export function constantLabels(
  labels: Record<string, string> | undefined,
  reserved: readonly string[],
  where: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const from: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    let name = key.replace(/[^a-zA-Z0-9_]/g, "_");
    if (/^[0-9]/.test(name)) name = `_${name}`;
    if (name === "" || name.startsWith("__") || !VALID.test(name)) {
      throw new RangeError(
        `Cannot label Prometheus metrics: '${where}' names must be label names ` +
          `([a-zA-Z_][a-zA-Z0-9_]*, not starting with __), got '${key}'`,
      );
    }
    if (reserved.includes(name)) {
      throw new RangeError(
        `Cannot label Prometheus metrics: '${where}' must not set splleed's own labels ` +
          `(${reserved.join(", ")}), got '${key}'`,
      );
    }
    if (from[name] !== undefined) {
      throw new RangeError(
        `Cannot label Prometheus metrics: '${where}' has '${from[name]}' and '${key}', ` +
          `which are both the label '${name}'`,
      );
    }
    from[name] = key;
    out[name] = String(value);
  }
  return out;
}
