/**
 * "Did anything write?", asked of Redis itself: `rdb_changes_since_last_save` (INFO persistence)
 * counts every change to the dataset, whatever made it (a command, a script, an expiry), and
 * keeps counting with persistence off. On a server no other test uses, an unchanged count means
 * nothing was written.
 */
import type { Redis } from "ioredis";

export async function writeCount(redis: Redis): Promise<number> {
  const info = String(await redis.info("persistence"));
  const match = /rdb_changes_since_last_save:(\d+)/.exec(info);
  if (!match) throw new Error("INFO persistence has no rdb_changes_since_last_save");
  return Number(match[1]);
}
