/**
 * The cache's key scheme. Every key of a namespace carries the namespace as its hash tag, so one
 * operation's keys (entry, lease, tag sets) always live in one Redis Cluster slot:
 *
 *   c:{<namespace>}:e:<id>    an entry (a string, see codec.ts)
 *   c:{<namespace>}:l:<id>    the single-flight lease of that entry (a token, short PX)
 *   c:{<namespace>}:t:<tag>   a tag set (sorted set of entry keys, scored by their expiry)
 *   c:namespaces              the registry of namespaces that have tagged entries (a set)
 *
 * `<id>` is the SHA-256 (hex) of the canonical arguments, or what the caller's `key` function
 * returns, or the key given to `cache.set`. The client's key prefix goes in front of all of them.
 * Namespaces and tags are validated (no `{`, `}`, control characters), so a name can never move
 * a key to another namespace's slot; ids come after the hash tag, where braces are harmless.
 */

export interface CacheKeys {
  entry: string;
  lease: string;
}

export function cacheKeys(
  prefix: (name: string) => string,
  namespace: string,
  id: string,
): CacheKeys {
  const base = prefix(`c:{${namespace}}:`);
  return { entry: `${base}e:${id}`, lease: `${base}l:${id}` };
}

export function tagKey(prefix: (name: string) => string, namespace: string, tag: string): string {
  return prefix(`c:{${namespace}}:t:${tag}`);
}

export function registryKey(prefix: (name: string) => string): string {
  return prefix("c:namespaces");
}
