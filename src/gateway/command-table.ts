/**
 * Redis' own command table, as the server reports it: `COMMAND` (flags, ACL categories, key
 * specs, subcommands) and `COMMAND DOCS` (argument grammar) for the commands that can block. The
 * gateway reads it once, when it first reaches Redis, and derives its whole policy from it
 * (policy.ts): what counts as a read, what is dangerous, what blocks. A list kept by hand would
 * fall behind the server (new commands, modules) and, worse, could be wrong about one.
 *
 * Parsing is pure (tested on the replies of a real server); `loadCommandTable` runs the two
 * commands. Needs Redis 7.0 or newer: key specs and COMMAND DOCS came with 7.0.
 */

/** One argument of a command's grammar, as COMMAND DOCS describes it. */
export interface ArgumentSpec {
  readonly name: string;
  /** string, integer, double, key, pattern, unix-time, pure-token, oneof, block. */
  readonly type: string;
  /** The keyword that introduces the argument (`BLOCK`, `STREAMS`), upper case. */
  readonly token?: string;
  readonly optional: boolean;
  readonly multiple: boolean;
  readonly arguments: readonly ArgumentSpec[];
}

export interface CommandSpec {
  /** Lower case, `container|sub` for a subcommand: `get`, `client|list`. */
  readonly name: string;
  /** Redis' arity: n > 0 exactly n words (name included), -n at least n. */
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  /** ACL categories with their `@`: `@write`, `@dangerous`. */
  readonly categories: ReadonlySet<string>;
  /** A key spec says the command changes a key (RW, OW or RM), e.g. PFCOUNT's cached count. */
  readonly writesKeys: boolean;
  /** For container commands (CLIENT, CONFIG, SCRIPT): by upper-case subcommand name. */
  readonly subcommands: ReadonlyMap<string, CommandSpec>;
  /** Top-level grammar, for commands flagged `blocking` only (COMMAND DOCS). */
  readonly grammar?: readonly ArgumentSpec[];
}

export interface CommandTable {
  /** The spec of a command by name (any case), or undefined when this server has no such command. */
  get(name: string): CommandSpec | undefined;
  /** Every command and subcommand, for start-up checks. */
  all(): Iterable<CommandSpec>;
}

/** A RESP2 map (flat `[key, value, key, value...]`) or a RESP3 one, as an object. */
function flatMap(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < value.length; i += 2) out[String(value[i])] = value[i + 1];
    return out;
  }
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

const WRITE_KEY_FLAGS = new Set(["RW", "OW", "RM"]);

function writesKeys(keySpecs: unknown): boolean {
  if (!Array.isArray(keySpecs)) return false;
  return keySpecs.some((spec) => strings(flatMap(spec).flags).some((f) => WRITE_KEY_FLAGS.has(f)));
}

function parseArgument(value: unknown): ArgumentSpec {
  const map = flatMap(value);
  const flags = new Set(strings(map.flags));
  const token = map.token === undefined ? undefined : String(map.token).toUpperCase();
  return {
    name: String(map.name ?? ""),
    type: String(map.type ?? ""),
    ...(token === undefined ? {} : { token }),
    optional: flags.has("optional"),
    multiple: flags.has("multiple"),
    arguments: Array.isArray(map.arguments) ? map.arguments.map(parseArgument) : [],
  };
}

function parseSpec(entry: unknown): CommandSpec {
  if (!Array.isArray(entry) || entry.length < 7) {
    throw new Error("COMMAND returned an entry this gateway cannot read");
  }
  const [name, arity, flags, , , , categories, , keySpecs, subcommands] = entry as unknown[];
  const subs = new Map<string, CommandSpec>();
  for (const sub of Array.isArray(subcommands) ? subcommands : []) {
    const spec = parseSpec(sub);
    const subName = spec.name.slice(spec.name.indexOf("|") + 1);
    subs.set(subName.toUpperCase(), spec);
  }
  return {
    name: String(name).toLowerCase(),
    arity: Number(arity),
    flags: new Set(strings(flags).map((f) => f.toLowerCase())),
    categories: new Set(strings(categories).map((c) => c.toLowerCase())),
    writesKeys: writesKeys(keySpecs),
    subcommands: subs,
  };
}

/** The names of the commands flagged `blocking`, whose grammar `COMMAND DOCS` must give. */
export function blockingCommandNames(commandReply: unknown): string[] {
  if (!Array.isArray(commandReply)) return [];
  return commandReply
    .map(parseSpec)
    .filter((spec) => spec.flags.has("blocking"))
    .map((spec) => spec.name);
}

/**
 * Builds the table from the reply of `COMMAND` and of `COMMAND DOCS <blocking commands...>`.
 * Throws when the server is older than 7.0 (no key specs), since the policy cannot be derived.
 */
export function parseCommandTable(commandReply: unknown, docsReply: unknown): CommandTable {
  if (!Array.isArray(commandReply) || commandReply.length === 0) {
    throw new Error("COMMAND returned no commands");
  }
  const hasKeySpecs = commandReply.some((entry) => Array.isArray(entry) && entry.length >= 10);
  if (!hasKeySpecs) {
    throw new Error(
      "the gateway needs Redis 7.0 or newer: it derives its policy from COMMAND key specs and COMMAND DOCS",
    );
  }
  const docs = flatMap(docsReply);
  const byName = new Map<string, CommandSpec>();
  for (const entry of commandReply) {
    let spec = parseSpec(entry);
    const doc = docs[spec.name];
    if (spec.flags.has("blocking") && doc !== undefined) {
      const args = flatMap(doc).arguments;
      spec = { ...spec, grammar: Array.isArray(args) ? args.map(parseArgument) : [] };
    }
    byName.set(spec.name.toUpperCase(), spec);
  }
  return {
    get: (name) => byName.get(name.toUpperCase()),
    *all() {
      for (const spec of byName.values()) {
        yield spec;
        yield* spec.subcommands.values();
      }
    },
  };
}

/** Reads the table from a Redis connection (`run` sends one command and returns its reply). */
export async function loadCommandTable(
  run: (command: string[]) => Promise<unknown>,
): Promise<CommandTable> {
  const commands = await run(["COMMAND"]);
  const blocking = blockingCommandNames(commands);
  const docs = blocking.length > 0 ? await run(["COMMAND", "DOCS", ...blocking]) : [];
  return parseCommandTable(commands, docs);
}
