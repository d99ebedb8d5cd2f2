/**
 * The subjects' key layout, exactly KRules': one hash per subject at `s:<prefix><subject>`, where
 * the prefix is the client's `keyPrefix` followed by the store's own `prefix` (KRules'
 * `REDIS_KEY_PREFIX` goes after `s:`, not in front). Fields: `p<name>` for a property, `e<name>`
 * for an extended property, each holding JSON text. No hash tag: every operation touches one
 * subject, hence one key.
 */

/** The key of one subject. */
export function subjectKey(prefix: string, subject: string): string {
  return `s:${prefix}${subject}`;
}

/** KRules' property-type letters: `p` for default properties, `e` for extended ones. */
export const DEFAULT_TYPE = "p";
export const EXTENDED_TYPE = "e";

/** The hash field of a property, as KRules writes it: type letter followed by the name. */
export function fieldOf(prop: string, extended: boolean | undefined): string {
  return (extended ? EXTENDED_TYPE : DEFAULT_TYPE) + prop;
}
