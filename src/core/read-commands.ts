/**
 * Which commands only read, as the clients need to know it without asking a server: a read may
 * go to a replica (Sentinel replica reads), a write gets the client's durable-writes WAIT. An
 * explicit allowlist: anything not on it, including commands this file has never heard of,
 * counts as a write, so the mistake it can make is a WAIT too many, never a write on a replica.
 *
 * The gateway does not use this list: its policy comes from the server's own command table
 * (gateway/policy.ts).
 */

export interface CommandClass {
  /** Upper-case command name, e.g. `SCRIPT`. */
  readonly name: string;
  /** `SCRIPT EXISTS`, `GET`. */
  readonly label: string;
  readonly access: "read" | "write";
}

const set = (words: string) => new Set(words.trim().split(/\s+/));

/** Commands that never write, by name (their subcommands, if any, are all reads too). */
const READ_COMMANDS = set(`
  GET MGET EXISTS TTL PTTL EXPIRETIME PEXPIRETIME TYPE STRLEN GETRANGE SUBSTR LCS
  HGET HMGET HGETALL HKEYS HVALS HLEN HEXISTS HSTRLEN HSCAN HRANDFIELD HTTL HPTTL HEXPIRETIME
  HPEXPIRETIME
  LRANGE LLEN LINDEX LPOS
  SMEMBERS SISMEMBER SMISMEMBER SCARD SRANDMEMBER SSCAN SINTER SUNION SDIFF SINTERCARD
  ZRANGE ZRANGEBYSCORE ZREVRANGE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZSCORE ZMSCORE ZCARD
  ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZSCAN ZRANDMEMBER ZDIFF ZINTER ZUNION ZINTERCARD
  XRANGE XREVRANGE XLEN XINFO XPENDING XREAD
  SCAN DBSIZE PING ECHO TIME RANDOMKEY DUMP TOUCH OBJECT
  BITCOUNT BITPOS GETBIT BITFIELD_RO
  GEOPOS GEODIST GEOHASH GEOSEARCH GEORADIUS_RO GEORADIUSBYMEMBER_RO
  EVAL_RO EVALSHA_RO FCALL_RO SORT_RO
  KEYS
  JSON.GET JSON.MGET JSON.TYPE JSON.STRLEN JSON.ARRLEN JSON.ARRINDEX JSON.OBJKEYS JSON.OBJLEN JSON.RESP
`);

/** Reads among the subcommands of commands that also have writing or dangerous subcommands. */
const READ_SUBCOMMANDS: Readonly<Record<string, ReadonlySet<string>>> = {
  SCRIPT: set("EXISTS"),
  MEMORY: set("USAGE"),
  FUNCTION: set("LIST DUMP STATS"),
  CLIENT: set("ID INFO GETNAME"),
  CLUSTER: set(`INFO NODES SLOTS SHARDS KEYSLOT COUNTKEYSINSLOT GETKEYSINSLOT MYID MYSHARDID LINKS
    REPLICAS SLAVES COUNT-FAILURE-REPORTS`),
};

/** Classifies one command (its name first; arguments already converted to strings). */
export function classifyCommand(command: readonly string[]): CommandClass {
  const name = (command[0] ?? "").toUpperCase();
  if (READ_SUBCOMMANDS[name] && command.length > 1) {
    const sub = command[1]!.toUpperCase();
    return {
      name,
      label: `${name} ${sub}`,
      access: READ_SUBCOMMANDS[name]!.has(sub) ? "read" : "write",
    };
  }
  return { name, label: name, access: READ_COMMANDS.has(name) ? "read" : "write" };
}
