/**
 * The keys of one priority stream. All share the hash tag `{name}`, so they live in one slot and
 * every script runs on Redis Cluster. Every script gets all seven, in this order (see the .lua
 * headers).
 */
import type { CoreClient } from "../core/client.js";

export const KEY_SUFFIXES = ["q", "h", "x", "l", "lp", "m", "xc"] as const;

/**
 * `[ready, items, timeIndex, leased, leasedScores, meta, batchCounts]`, each through
 * `client.key()`.
 */
export function priorityKeys(client: CoreClient, name: string): string[] {
  return KEY_SUFFIXES.map((suffix) => client.key(`ps:{${name}}:${suffix}`));
}

/**
 * The key holding the reply of the purge pull `pullId` (pull.lua's KEYS[8]), in the stream's slot.
 * `pullReplyKey(client, name, "")` is the placeholder pulls that do not purge pass.
 */
export function pullReplyKey(client: CoreClient, name: string, pullId: string): string {
  return client.key(`ps:{${name}}:pull:${pullId}`);
}
