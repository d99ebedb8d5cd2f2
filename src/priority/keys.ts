/**
 * The keys of one priority stream. All share the hash tag `{name}`, so they live in one slot and
 * every script runs on Redis Cluster. Every script gets all seven, in this order (see the .lua
 * headers).
 */
import type { RedgeClient } from "../client.js";

export const KEY_SUFFIXES = ["q", "h", "x", "l", "lp", "m", "xc"] as const;

/**
 * `[ready, items, timeIndex, leased, leasedScores, meta, batchCounts]`, each through
 * `client.key()`.
 */
export function priorityKeys(client: RedgeClient, name: string): string[] {
  return KEY_SUFFIXES.map((suffix) => client.key(`ps:{${name}}:${suffix}`));
}
