/**
 * The gateway's command policy, as pure functions: which commands are denied, which can never be
 * run through a shared connection, and which count as reads for read-only tokens.
 *
 * Three kinds of restriction:
 * - "denied": dangerous for the data or the server (FLUSHALL, CONFIG, SCRIPT FLUSH, KEYS, ...).
 *   Refused unless the operator lists it in `allow` ("FLUSHDB", or "SCRIPT FLUSH" for one
 *   subcommand, or "SCRIPT" for all of that command's denied subcommands).
 * - "unsupported": blocking commands and commands that change the state of the connection
 *   (BLPOP, SUBSCRIBE, MULTI, SELECT, CLIENT REPLY, ...). The gateway multiplexes every request
 *   over shared connections, so one of these would stall or corrupt everybody's requests; they
 *   cannot be allowed. Transactions go through `/multi-exec` instead.
 * - read-only classification: an explicit allowlist of commands that never write. Anything not on
 *   it, including commands this file has never heard of, counts as a write.
 *
 * Lua scripts (EVAL, FCALL) can call any command from inside Redis; the deny list does not reach
 * into them. They are writes, so read-only tokens cannot run them (EVAL_RO and FCALL_RO are reads).
 */

export type Restriction = "denied" | "unsupported";

export interface CommandClass {
  /** Upper-case command name, e.g. `SCRIPT`. */
  readonly name: string;
  /** What the policy speaks about: `SCRIPT FLUSH`, `FLUSHALL`, `XREAD with BLOCK`. */
  readonly label: string;
  readonly access: "read" | "write";
  readonly restriction?: Restriction;
  /** Denied subcommand pair (`SCRIPT FLUSH`) an `allow` entry may name, besides `name`. */
  readonly allowKey?: string;
}

export interface Rejection {
  readonly status: 400 | 403;
  readonly message: string;
}

export interface CommandPolicy {
  /** Upper-cased `allow` entries: command names and "COMMAND SUBCOMMAND" pairs. */
  readonly allow: ReadonlySet<string>;
  /** The caller holds a read-only token. */
  readonly readOnly: boolean;
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
  BITCOUNT BITPOS GETBIT BITFIELD_RO PFCOUNT
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

/** Dangerous for the data or the server: denied unless allowed. */
const DENIED_COMMANDS = set(`
  FLUSHALL FLUSHDB CONFIG SHUTDOWN DEBUG REPLICAOF SLAVEOF MODULE ACL SAVE BGSAVE BGREWRITEAOF
  FAILOVER KEYS SWAPDB MIGRATE SLOWLOG SENTINEL PFDEBUG PFSELFTEST LATENCY
`);

/**
 * Denied subcommands. For CLIENT and CLUSTER the policy is the other way round: every subcommand
 * that is not a read in READ_SUBCOMMANDS (nor unsupported) is denied.
 */
const DENIED_SUBCOMMANDS: Readonly<Record<string, ReadonlySet<string>>> = {
  SCRIPT: set("FLUSH KILL"),
  FUNCTION: set("FLUSH KILL RESTORE"),
};
const DENY_UNLISTED_SUBCOMMANDS = set("CLIENT CLUSTER");

/** Blocking or connection-state commands: never run on a shared connection. */
const UNSUPPORTED_COMMANDS = set(`
  BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP WAIT WAITAOF
  SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE MONITOR
  WATCH UNWATCH MULTI EXEC DISCARD SELECT AUTH HELLO QUIT RESET SYNC PSYNC REPLCONF
  READONLY READWRITE ASKING
`);
const UNSUPPORTED_SUBCOMMANDS: Readonly<Record<string, ReadonlySet<string>>> = {
  SCRIPT: set("DEBUG"),
  CLIENT: set("REPLY TRACKING CACHING SETNAME SETINFO NO-EVICT NO-TOUCH"),
};

/** Commands whose first argument is a subcommand the policy looks at. */
const HAS_SUBCOMMANDS = new Set([
  ...Object.keys(READ_SUBCOMMANDS),
  ...Object.keys(DENIED_SUBCOMMANDS),
  ...Object.keys(UNSUPPORTED_SUBCOMMANDS),
]);

/** XREAD/XREADGROUP options come before the STREAMS keyword; keys after it may be named BLOCK. */
function hasBlockOption(args: readonly string[]): boolean {
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!.toUpperCase();
    if (word === "STREAMS") return false;
    if (word === "BLOCK") return true;
  }
  return false;
}

/** Classifies one command (its name first; arguments already converted to strings). */
export function classifyCommand(command: readonly string[]): CommandClass {
  const name = (command[0] ?? "").toUpperCase();

  if ((name === "XREAD" || name === "XREADGROUP") && hasBlockOption(command)) {
    return { name, label: `${name} with BLOCK`, access: "read", restriction: "unsupported" };
  }
  if (UNSUPPORTED_COMMANDS.has(name)) {
    return { name, label: name, access: "write", restriction: "unsupported" };
  }

  if (HAS_SUBCOMMANDS.has(name) && command.length > 1) {
    const sub = command[1]!.toUpperCase();
    const label = `${name} ${sub}`;
    const access = READ_SUBCOMMANDS[name]?.has(sub) ? "read" : "write";
    if (UNSUPPORTED_SUBCOMMANDS[name]?.has(sub)) {
      return { name, label, access, restriction: "unsupported" };
    }
    const denied =
      DENIED_SUBCOMMANDS[name]?.has(sub) ||
      (DENY_UNLISTED_SUBCOMMANDS.has(name) && access !== "read");
    if (denied) return { name, label, access, restriction: "denied", allowKey: label };
    return { name, label, access };
  }

  const access = READ_COMMANDS.has(name) ? "read" : "write";
  if (DENIED_COMMANDS.has(name) || DENY_UNLISTED_SUBCOMMANDS.has(name)) {
    return { name, label: name, access, restriction: "denied" };
  }
  return { name, label: name, access };
}

/** Whether an `allow` entry ("FLUSHDB", "SCRIPT FLUSH") could ever take effect. */
export function unallowableReason(entry: string): string | undefined {
  const words = entry.trim().toUpperCase().split(/\s+/);
  const name = words[0] ?? "";
  if (UNSUPPORTED_COMMANDS.has(name)) {
    return `${name} blocks or changes the state of the connection, which the gateway shares between requests; it cannot be allowed`;
  }
  const sub = words[1];
  if (sub !== undefined && UNSUPPORTED_SUBCOMMANDS[name]?.has(sub)) {
    return `${name} ${sub} changes the state of the connection, which the gateway shares between requests; it cannot be allowed`;
  }
  return undefined;
}

/** Normalises `allow` entries for `CommandPolicy.allow`. */
export function allowSet(entries: readonly string[]): ReadonlySet<string> {
  return new Set(entries.map((e) => e.trim().toUpperCase().split(/\s+/).join(" ")));
}

/**
 * Whether the caller may run this command; `undefined` means yes. `position` (1-based) names the
 * command inside a pipeline or transaction.
 */
export function checkCommand(
  command: readonly string[],
  policy: CommandPolicy,
  position?: number,
): Rejection | undefined {
  const cls = classifyCommand(command);
  const where = position === undefined ? "" : ` (command ${position})`;
  if (cls.restriction === "unsupported") {
    return {
      status: 400,
      message: `ERR ${cls.label} is not supported by the gateway${where}: it would block or change the state of a connection shared between requests`,
    };
  }
  if (cls.restriction === "denied") {
    const allowed = policy.allow.has(cls.name) || (cls.allowKey && policy.allow.has(cls.allowKey));
    if (!allowed) {
      return {
        status: 400,
        message: `ERR ${cls.label} is disabled by the gateway${where}; an operator can enable it with the allow option`,
      };
    }
  }
  if (policy.readOnly && cls.access !== "read") {
    return {
      status: 403,
      message: `NOPERM this token is read-only and ${cls.label} is not a read-only command${where}`,
    };
  }
  return undefined;
}

/**
 * Checks every command of a pipeline or transaction before any runs: the first rejection rejects
 * the whole request, so nothing is half-applied. A 400 (denied for everybody) wins over a 403.
 */
export function checkCommands(
  commands: readonly (readonly string[])[],
  policy: CommandPolicy,
): Rejection | undefined {
  let forbidden: Rejection | undefined;
  for (let i = 0; i < commands.length; i++) {
    const rejection = checkCommand(commands[i]!, policy, i + 1);
    if (rejection?.status === 400) return rejection;
    forbidden ??= rejection;
  }
  return forbidden;
}
