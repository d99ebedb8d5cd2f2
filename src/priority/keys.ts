/**
 * The keys of one priority stream. All share the hash tag `{name}`, so they live in one slot and
 * every script runs on Redis Cluster. Every script gets all sixteen, in this order (see the .lua
 * headers); a purge pull adds its pull id's key as the seventeenth.
 *
 * | #  | suffix | type   | holds                                                              |
 * | 1  | q      | ZSET   | ready items: member prefix..id, score offset − priority            |
 * | 2  | h      | HASH   | id → prefix .. tag .. payload                                      |
 * | 3  | x      | STREAM | the time index: one entry per batch, i = its ids                   |
 * | 4  | l      | ZSET   | leased items → lease deadline (ms)                                 |
 * | 5  | lp     | ZSET   | leased items → their ready-set score                               |
 * | 6  | m      | HASH   | meta (fields below)                                                |
 * | 7  | xc     | ZSET   | batch, scored by its items still there (batches of 2+)             |
 * | 8  | d      | ZSET   | delayed items → due time (ms)                                      |
 * | 9  | dp     | ZSET   | delayed items → their ready-set score                              |
 * | 10 | a      | HASH   | id → its leases that ended without an ack (nack, ran out)          |
 * | 11 | dl     | HASH   | dead letters: id → attempts|deadAt|priority|reason length|reason.. |
 * | 12 | dz     | ZSET   | dead letters: id → when (ms), for their order                      |
 * | 13 | ev     | STREAM | lifecycle events (capped); also the pub/sub channel's name         |
 * | 14 | rw     | LIST   | the rate window: "<ms>:<n>" per pull that took n items             |
 * | 15 | s      | HASH   | schedules: id → JSON spec                                          |
 * | 16 | lt     | ZSET   | retired lease tokens: deadlines of leases nacked before them       |
 *
 * Meta fields (`:m`): `o` priority offset, `g` gate, `d` "1" while delayed items may exist, `ds`
 * the delayed items' sequence, `op` "1" once options are stored, `ma` maxAttempts, `bt` backoff
 * type (`e`xponential, `f`ixed), `bd` backoff delay, `bm` largest delay, `bj` jitter, `lc`
 * concurrency, `lr` rate max, `lw` rate window (ms), `ln` items taken in the window, `s` "1" while
 * schedules exist.
 */
import type { CoreClient } from "../core/client.js";

export const KEY_SUFFIXES = [
  "q",
  "h",
  "x",
  "l",
  "lp",
  "m",
  "xc",
  "d",
  "dp",
  "a",
  "dl",
  "dz",
  "ev",
  "rw",
  "s",
  "lt",
] as const;

/** The position of each key in `priorityKeys` (0-based). */
export const KEY = Object.fromEntries(KEY_SUFFIXES.map((suffix, i) => [suffix, i])) as {
  readonly [K in (typeof KEY_SUFFIXES)[number]]: number;
};

/** The stream's keys, in KEY_SUFFIXES' order, each through `client.key()`. */
export function priorityKeys(client: CoreClient, name: string): string[] {
  return KEY_SUFFIXES.map((suffix) => client.key(`ps:{${name}}:${suffix}`));
}

/**
 * The key holding the reply of the purge pull `pullId` (pull.lua's KEYS[17]), in the stream's
 * slot. `pullReplyKey(client, name, "")` is the placeholder pulls that do not purge pass.
 */
export function pullReplyKey(client: CoreClient, name: string, pullId: string): string {
  return client.key(`ps:{${name}}:pull:${pullId}`);
}

/** The events stream of a stream (also the name of the pub/sub channel its events go to). */
export function eventsKey(client: CoreClient, name: string): string {
  return client.key(`ps:{${name}}:ev`);
}
