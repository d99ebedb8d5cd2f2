/**
 * The gateway's command policy, derived from Redis' own command table (command-table.ts):
 *
 * - **unknown**: a command this server did not list is refused (a module loaded after the gateway
 *   started is not trusted blindly; restart the gateway to pick it up).
 * - **unsupported**, never allowed: commands that block the connection (flag `blocking`, checked
 *   against the command's grammar, see grammar.ts) and commands that change the state of the
 *   connection (SELECT, AUTH, MULTI, SUBSCRIBE, CLIENT REPLY, ...). The gateway multiplexes every
 *   request over shared connections, so one of these would stall or corrupt everybody's requests.
 *   Redis has no flag for "changes connection state", so that set is listed here (with the
 *   `@transaction` category); everything else comes from the server.
 * - **denied** unless the operator allows it by name: every command in the `@dangerous` or
 *   `@admin` ACL category or flagged `admin` (FLUSHALL, KEYS, RESTORE, MIGRATE, CONFIG, INFO,
 *   SORT ...), the script-cache commands that affect every client (SCRIPT FLUSH/KILL,
 *   FUNCTION FLUSH/KILL/RESTORE), and the ones that reach another database (MOVE, COPY with DB):
 *   a token is for the gateway's database, as SELECT is never allowed.
 * - **scripts** (`@scripting`): by default only scripts the gateway knows run (redge's own, by
 *   SHA-1, plus any the operator registered), so EVALSHA and the EVAL fallback of redge's clients
 *   keep working; other EVAL/EVALSHA/SCRIPT LOAD and every FCALL/FUNCTION LOAD/DELETE need
 *   `allowScripts`, which the gateway only accepts with an ACL user that cannot run what this
 *   policy denies (acl-check.ts): inside a script only Redis' ACLs can stop a command.
 * - **reads**: a command is a read unless Redis flags it `write` or `may_replicate`, puts it in
 *   `@write`, or one of its key specs changes a key (PFCOUNT rewrites its cached count); and a
 *   top-level `@pubsub` command (PUBLISH, SPUBLISH) delivers to other clients, so it is no read
 *   either (the PUBSUB introspection subcommands are). Read-only tokens run reads only.
 */
import { createHash } from "node:crypto";
import type { CommandSpec, CommandTable } from "./command-table.js";
import { blocks } from "./grammar.js";

/** Commands that change the state of the connection they run on (no Redis flag says so). */
const CONNECTION_STATE = new Set([
  "SELECT",
  "AUTH",
  "HELLO",
  "QUIT",
  "RESET",
  "READONLY",
  "READWRITE",
  "ASKING",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "REPLCONF",
  // Not flagged `blocking`, but they hold the connection until replicas (or the disk) catch up.
  "WAIT",
  "WAITAOF",
]);
const CONNECTION_STATE_SUBCOMMANDS: Readonly<Record<string, ReadonlySet<string>>> = {
  CLIENT: new Set(["REPLY", "TRACKING", "CACHING", "SETNAME", "SETINFO", "NO-EVICT", "NO-TOUCH"]),
  SCRIPT: new Set(["DEBUG"]),
};

/**
 * Commands that always block, for the message when an `allow` entry names one (options are
 * checked before Redis is reached; once it is, its `blocking` flag decides).
 */
const ALWAYS_BLOCKING = new Set(
  "BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP".split(" "),
);

/** Script-cache commands that act on every client's scripts, not the caller's. */
const SHARED_SCRIPT_STATE: Readonly<Record<string, ReadonlySet<string>>> = {
  SCRIPT: new Set(["FLUSH", "KILL"]),
  FUNCTION: new Set(["FLUSH", "KILL", "RESTORE"]),
};

/** Whether a command writes into another database than the connection's. */
function reachesOtherDatabase(name: string, command: readonly string[]): boolean {
  if (name === "MOVE") return true;
  // COPY source destination [DB n] [REPLACE]: the options follow the two keys.
  return name === "COPY" && command.slice(3).some((word) => word.toUpperCase() === "DB");
}

/** Commands that run or install code, and how a long run is stopped. */
const SCRIPT_RUNS: Readonly<Record<string, "SCRIPT" | "FUNCTION">> = {
  EVAL: "SCRIPT",
  EVAL_RO: "SCRIPT",
  EVALSHA: "SCRIPT",
  EVALSHA_RO: "SCRIPT",
  FCALL: "FUNCTION",
  FCALL_RO: "FUNCTION",
};
const CODE_INSTALLS = new Set(["SCRIPT LOAD", "FUNCTION LOAD", "FUNCTION DELETE"]);

export type Restriction = "unknown" | "unsupported" | "denied";

export interface CommandClass {
  /** Upper-case command name, e.g. `SCRIPT`. */
  readonly name: string;
  /** What messages call it: `SCRIPT FLUSH`, `FLUSHALL`, `XREADGROUP with BLOCK`. */
  readonly label: string;
  readonly access: "read" | "write";
  readonly restriction?: Restriction;
  /** `allow` entries that lift a `denied` restriction: the name, and `NAME SUB` for a subcommand. */
  readonly allowKeys: readonly string[];
  /**
   * Code the caller supplies or names: `known` when its SHA-1 is one the gateway trusts. `kill`
   * says how a run that outlasts its budget is stopped (absent for SCRIPT LOAD, FUNCTION LOAD).
   */
  readonly code?: { readonly known: boolean; readonly kill?: "SCRIPT" | "FUNCTION" };
}

export interface PolicySettings {
  /** Upper-cased `allow` entries: `FLUSHDB`, `SCRIPT FLUSH` (see `allowSet`). */
  readonly allow: ReadonlySet<string>;
  /** Arbitrary scripts and functions may run (the ACL user was checked at start). */
  readonly allowScripts: boolean;
  /** SHA-1s (lower-case hex) of scripts that may run without `allowScripts`. */
  readonly knownScripts: ReadonlySet<string>;
  /** Known scripts that write nothing: reads, also for read-only tokens. */
  readonly readOnlyScripts?: ReadonlySet<string>;
}

export interface Rejection {
  readonly status: 400 | 403;
  readonly message: string;
}

/** The verdict on one command: run it (with what to watch), or refuse it. */
export type Verdict =
  | { readonly ok: true; readonly kill?: "SCRIPT" | "FUNCTION" }
  | ({ readonly ok: false } & Rejection);

export function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** Normalises `allow` entries ("script  flush" -> "SCRIPT FLUSH"). */
export function allowSet(entries: readonly string[]): ReadonlySet<string> {
  return new Set(entries.map((e) => e.trim().toUpperCase().split(/\s+/).join(" ")));
}

/** Whether a `allow` entry could ever take effect, for option validation (before Redis is read). */
export function unallowableReason(entry: string): string | undefined {
  const [name = "", sub] = entry.trim().toUpperCase().split(/\s+/);
  if (
    CONNECTION_STATE.has(name) ||
    ALWAYS_BLOCKING.has(name) ||
    (sub !== undefined && CONNECTION_STATE_SUBCOMMANDS[name]?.has(sub))
  ) {
    const label = sub === undefined ? name : `${name} ${sub}`;
    return `${label} blocks or changes the state of the connection, which the gateway shares between requests; it cannot be allowed`;
  }
  return undefined;
}

function accessOf(spec: CommandSpec): "read" | "write" {
  const publishes = spec.categories.has("@pubsub") && !spec.name.includes("|");
  const writes =
    spec.flags.has("write") ||
    spec.flags.has("may_replicate") ||
    spec.categories.has("@write") ||
    spec.writesKeys ||
    publishes;
  return writes ? "write" : "read";
}

function isDangerous(spec: CommandSpec): boolean {
  return (
    spec.categories.has("@dangerous") || spec.categories.has("@admin") || spec.flags.has("admin")
  );
}

/** The SHA-1 of the code a scripting command names or carries, if it names one. */
function codeSha(name: string, sub: string | undefined, command: readonly string[]) {
  if (name === "EVAL" || name === "EVAL_RO")
    return command[1] === undefined ? undefined : sha1(command[1]);
  if (name === "EVALSHA" || name === "EVALSHA_RO") return command[1]?.toLowerCase();
  if (name === "SCRIPT" && sub === "LOAD")
    return command[2] === undefined ? undefined : sha1(command[2]);
  return undefined;
}

/** Classifies one command (name first, arguments as strings) against the server's table. */
export function classify(
  table: CommandTable,
  command: readonly string[],
  knownScripts: ReadonlySet<string>,
  readOnlyScripts: ReadonlySet<string> = new Set(),
): CommandClass {
  const name = (command[0] ?? "").toUpperCase();
  const top = table.get(name);
  if (!top) return { name, label: name, access: "write", restriction: "unknown", allowKeys: [] };

  const subName = top.subcommands.size > 0 ? command[1]?.toUpperCase() : undefined;
  const sub = subName === undefined ? undefined : top.subcommands.get(subName);
  const spec = sub ?? top;
  const label = sub ? `${name} ${subName}` : name;
  const allowKeys = sub ? [name, label] : [name];
  const access = accessOf(spec);

  if (
    CONNECTION_STATE.has(name) ||
    spec.categories.has("@transaction") ||
    (sub && CONNECTION_STATE_SUBCOMMANDS[name]?.has(subName!))
  ) {
    return { name, label, access, restriction: "unsupported", allowKeys };
  }
  if (blocks(spec, command)) {
    const conditional = spec.grammar?.some((a) => a.token === "BLOCK") ?? false;
    return {
      name,
      label: conditional ? `${name} with BLOCK` : name,
      access,
      restriction: "unsupported",
      allowKeys,
    };
  }
  if (isDangerous(spec) || (sub && SHARED_SCRIPT_STATE[name]?.has(subName!))) {
    return { name, label, access, restriction: "denied", allowKeys };
  }
  if (reachesOtherDatabase(name, command)) {
    const shown = name === "COPY" ? "COPY with DB" : name;
    return { name, label: shown, access, restriction: "denied", allowKeys };
  }
  const kill = SCRIPT_RUNS[name];
  if (kill || CODE_INSTALLS.has(label)) {
    const sha = codeSha(name, subName, command);
    const known = sha !== undefined && knownScripts.has(sha);
    const reads = kill !== undefined && known && readOnlyScripts.has(sha!);
    return {
      name,
      label,
      access: reads ? "read" : access,
      allowKeys,
      code: kill ? { known, kill } : { known },
    };
  }
  return { name, label, access, allowKeys };
}

/** Upstash-style messages: the first word tells a client what kind of refusal it is. */
function reject(status: 400 | 403, message: string): Verdict {
  return { ok: false, status, message };
}

/**
 * Whether a caller may run this command. `position` (1-based) names the command inside a
 * pipeline or transaction.
 */
export function checkCommand(
  table: CommandTable,
  command: readonly string[],
  settings: PolicySettings,
  readOnly: boolean,
  position?: number,
): Verdict {
  const cls = classify(table, command, settings.knownScripts, settings.readOnlyScripts);
  const where = position === undefined ? "" : ` (command ${position})`;
  switch (cls.restriction) {
    case "unknown":
      return reject(400, `ERR unknown command '${cls.name.slice(0, 64)}'${where}`);
    case "unsupported":
      return reject(
        400,
        `ERR ${cls.label} is not supported by the gateway${where}: it would block or change the state of a connection shared between requests`,
      );
    case "denied":
      if (!cls.allowKeys.some((key) => settings.allow.has(key))) {
        return reject(
          400,
          `ERR ${cls.label} is disabled by the gateway${where}; an operator can enable it with the allow option`,
        );
      }
  }
  if (readOnly && cls.access !== "read") {
    const hint = cls.code?.kill === "SCRIPT" ? "; read-only tokens may use EVAL_RO/EVALSHA_RO" : "";
    return reject(
      403,
      `NOPERM this token is read-only and ${cls.label} is not a read-only command${where}${hint}`,
    );
  }
  if (cls.code && !cls.code.known && !settings.allowScripts) {
    return reject(
      403,
      `NOPERM ${cls.label}${where}: this gateway runs only the scripts it knows (redge's own and those its operator registered); an operator can allow any script with --allow-scripts (REDGE_ALLOW_SCRIPTS=1) once the gateway's Redis user is barred from the commands the gateway denies`,
    );
  }
  // Known scripts are redge's own or the operator's: bounded, so no watchdog on the hot path.
  return cls.code?.kill && !cls.code.known ? { ok: true, kill: cls.code.kill } : { ok: true };
}

/**
 * Checks every command of a pipeline or transaction before any runs: the first refusal refuses
 * the whole request, so nothing is half-applied. A 400 (refused for everybody) wins over a 403.
 */
export function checkCommands(
  table: CommandTable,
  commands: readonly (readonly string[])[],
  settings: PolicySettings,
  readOnly: boolean,
): Verdict {
  let forbidden: Verdict | undefined;
  let kill: "SCRIPT" | "FUNCTION" | undefined;
  for (let i = 0; i < commands.length; i++) {
    const verdict = checkCommand(table, commands[i]!, settings, readOnly, i + 1);
    if (!verdict.ok && verdict.status === 400) return verdict;
    if (!verdict.ok) forbidden ??= verdict;
    else kill ??= verdict.kill;
  }
  return forbidden ?? (kill ? { ok: true, kill } : { ok: true });
}

/**
 * The commands (and subcommands) this policy denies that a script could call (`noscript` ones
 * cannot be called from Lua), minus those the operator allowed, plus SELECT and MOVE: from a
 * script they reach other databases. (COPY ... DB does too, but an ACL cannot tell its DB option
 * apart; the docs say to give such a gateway a Redis with one database.) With `allowScripts`
 * the gateway's ACL user must be refused each one.
 */
export function deniedInScripts(table: CommandTable, allow: ReadonlySet<string>): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of table.all()) {
    if (spec.flags.has("noscript")) continue;
    const [name = "", sub] = spec.name.toUpperCase().split("|");
    const keys = sub === undefined ? [name] : [name, `${name} ${sub}`];
    if (keys.some((key) => allow.has(key))) continue;
    const shared = sub !== undefined && SHARED_SCRIPT_STATE[name]?.has(sub);
    if (isDangerous(spec) || shared || name === "SELECT" || name === "MOVE") out.push(spec);
  }
  return out;
}
