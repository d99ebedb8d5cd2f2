/**
 * One subject: a property store in one Redis hash, in the layout KRules'
 * `SubjectsRedisStorage` uses, so a Python KRules service and a redge service share it:
 *
 *   key    s:<prefix><subject>        (e.g. `s:myapp:user|42`; the client's keyPrefix is the
 *                                     first part of <prefix>, as KRules' REDIS_KEY_PREFIX)
 *   field  p<name>  default property
 *          e<name>  extended property
 *   value  JSON text
 */
import * as z from "zod";
import type { CoreClient } from "../core/client.js";
import { ValidationError } from "../core/errors.js";
import { decodeJson, encodeJson } from "../core/json.js";
import type { RedisReply } from "../core/port.js";
import { joinPath, replyStrings } from "../core/replies.js";
import { parseInput } from "../core/validation.js";
import { ConflictError, SubjectValueError } from "./errors.js";
import { DEFAULT_TYPE, EXTENDED_TYPE, fieldOf } from "./keys.js";
import { incrScript } from "./lua.gen.js";
import {
  type PropOptions,
  propNameSchema,
  propOptionsSchema,
  type SetOptions,
  setOptionsSchema,
} from "./schemas.js";
import { update } from "./update.js";

/** Everything stored for a subject: default properties and extended properties. */
export interface SubjectSnapshot {
  props: Record<string, unknown>;
  ext: Record<string, unknown>;
}

/** What `set` returns: the value now stored and the one it replaced (undefined when absent). */
export interface SetResult<T> {
  value: T;
  old: T | undefined;
}

/** A batch of changes applied atomically by `store`. */
export interface StoreChanges {
  /** Default properties to write. */
  set?: Record<string, unknown>;
  /** Extended properties to write. */
  setExt?: Record<string, unknown>;
  /** Default properties to remove. */
  delete?: readonly string[];
  /** Extended properties to remove. */
  deleteExt?: readonly string[];
}

/** A function value for `set`: gets the stored value (undefined when absent), returns the next. */
export type Updater<T> = (old: T | undefined) => T | Promise<T>;

const HSCAN_COUNT = 200;

export class Subject {
  /** The subject's name. */
  readonly name: string;
  /** The Redis key of its hash. */
  readonly key: string;
  readonly #client: CoreClient;

  /** Use `SubjectStore.subject(name)`; the name is validated there. */
  constructor(client: CoreClient, key: string, name: string) {
    this.#client = client;
    this.key = key;
    this.name = name;
  }

  /**
   * Reads every property in one HGETALL, as KRules does (subjects are small by design).
   * Fields that start with neither `p` nor `e` are not KRules properties and are left out.
   */
  async load(): Promise<SubjectSnapshot> {
    const reply = await this.#client.command(["HGETALL", this.key]);
    const props: Record<string, unknown> = {};
    const ext: Record<string, unknown> = {};
    const pairs = asStrings(reply);
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const field = pairs[i]!;
      const type = field[0];
      const prop = field.slice(1);
      if (type !== DEFAULT_TYPE && type !== EXTENDED_TYPE) continue;
      const extended = type === EXTENDED_TYPE;
      define(extended ? ext : props, prop, this.#decode(pairs[i + 1]!, prop, extended));
    }
    return { props, ext };
  }

  /** One property's value, or undefined when the subject does not have it. */
  async get<T = unknown>(prop: string, options?: PropOptions): Promise<T | undefined> {
    const name = parseInput(propNameSchema, prop, "prop");
    const { extended = false } = parseInput(propOptionsSchema, options ?? {}, "options");
    const raw = await this.#client.command(["HGET", this.key, fieldOf(name, extended)]);
    if (raw === null) return undefined;
    return this.#decode(String(raw), name, extended) as T;
  }

  /**
   * Writes a property and returns `{ value, old }`.
   *
   * With a plain value: one atomic round trip (MULTI: HGET, HSET).
   *
   * With a function: an atomic read-modify-write that needs no WATCH, so it works over REST too
   * (see update.ts). The function runs here, on the value read; a Lua compare-and-set writes its
   * result only if the property still holds what was read, otherwise the function runs again on
   * the newer value. As KRules does, it keeps trying until it wins, with jittered backoff, up to
   * the call's deadline (`timeoutMs`, default the client's `commandTimeoutMs`; or `attempts`
   * rounds, if given), then gives up with a ConflictError having written nothing. The function
   * may run more than once and should have no side effects.
   */
  async set<T = unknown>(
    prop: string,
    value: T | Updater<T>,
    options?: SetOptions,
  ): Promise<SetResult<T>> {
    const started = performance.now();
    const name = parseInput(propNameSchema, prop, "prop");
    const opts = parseInput(setOptionsSchema, options ?? {}, "options");
    const extended = opts.extended ?? false;
    const field = fieldOf(name, extended);
    const timeoutMs = opts.timeoutMs ?? this.#client.commandTimeoutMs;
    if (typeof value === "function") {
      const outcome = await update<T>({
        client: this.#client,
        key: this.key,
        field,
        fn: value as Updater<T>,
        decode: (text) => this.#decode(text, name, extended) as T,
        encode: (next) => encodeValue(next, "value"),
        deadline: started + timeoutMs,
        budgetMs: timeoutMs,
        signal: opts.signal,
        attempts: opts.attempts ?? Number.POSITIVE_INFINITY,
      });
      if (outcome.ok) return { value: outcome.value, old: outcome.old };
      throw new ConflictError(
        this.name,
        name,
        extended,
        outcome.rounds,
        Math.round(performance.now() - started),
      );
    }
    const text = encodeValue(value, "value");
    const [read] = await this.#client.transaction(
      [
        ["HGET", this.key, field],
        ["HSET", this.key, field, text],
      ],
      { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    const old = outcome(read);
    if (old === null) return { value, old: undefined };
    try {
      return { value, old: decodeJson(String(old)) as T };
    } catch (error) {
      // The new value is stored by now; only the replaced one is unreadable.
      throw new SubjectValueError(
        this.name,
        name,
        extended,
        "held text that is not valid JSON; the new value was written over it",
        { cause: error },
      );
    }
  }

  /**
   * Adds `by` (default 1) to a property holding a JSON number, atomically in one script call,
   * and returns the new value. An absent property counts as 0. Anything other than a number
   * stored there rejects with a SubjectValueError and nothing is written.
   */
  async incr(prop: string, by = 1, options?: PropOptions): Promise<number> {
    return (await this.increment(prop, by, options)).value;
  }

  /**
   * `incr` that also returns the value it replaced (`old`, 0 when the property was absent), read
   * in the same atomic script call: `value − by` is not the old value once floats round.
   */
  async increment(
    prop: string,
    by = 1,
    options?: PropOptions,
  ): Promise<{ value: number; old: number }> {
    const name = parseInput(propNameSchema, prop, "prop");
    if (typeof by !== "number" || !Number.isFinite(by)) {
      throw new ValidationError([{ path: "by", message: "must be a finite number" }]);
    }
    const { extended = false } = parseInput(propOptionsSchema, options ?? {}, "options");
    // Not idempotent: a blind repeat after a timeout could add twice.
    const reply = await this.#client.runScript(
      incrScript,
      [this.key],
      // String() gives the shortest text that Lua's tonumber reads back as the same double.
      [fieldOf(name, extended), String(by)],
      { idempotent: false },
    );
    const [ok, a, b] = Array.isArray(reply) ? reply : [];
    if (ok === 1) return { value: Number(a), old: b === "" || b == null ? 0 : Number(b) };
    throw new SubjectValueError(
      this.name,
      name,
      extended,
      a === "not-finite"
        ? `would leave the finite range after adding ${by}`
        : "does not hold a JSON number, so it cannot be incremented",
    );
  }

  /**
   * Applies several changes in one atomic round trip (MULTI: HSET, HDEL), as KRules' `store`
   * does for a subject's pending inserts, updates and deletes. Every name and value is checked
   * first; a rejected batch writes nothing. A property may not be both set and deleted.
   */
  async store(changes: StoreChanges): Promise<void> {
    const input = parseInput(storeChangesSchema, changes, "changes");
    const fields: string[] = [];
    const sets: Array<[string, string]> = [];
    const issues: { path: string; message: string }[] = [];
    for (const [kind, extended] of [
      ["set", false],
      ["setExt", true],
    ] as const) {
      for (const [prop, value] of Object.entries(input[kind] ?? {})) {
        const encoded = encodeJson(value);
        if (!encoded.ok) {
          for (const issue of encoded.issues) {
            issues.push({
              path: joinPath(`changes.${kind}.${prop}`, issue.path),
              message: issue.message,
            });
          }
          continue;
        }
        sets.push([fieldOf(prop, extended), encoded.text]);
      }
    }
    for (const [kind, extended] of [
      ["delete", false],
      ["deleteExt", true],
    ] as const) {
      for (const [i, prop] of (input[kind] ?? []).entries()) {
        const field = fieldOf(prop, extended);
        if (sets.some(([f]) => f === field)) {
          issues.push({ path: `changes.${kind}.${i}`, message: `"${prop}" is also being set` });
        }
        fields.push(field);
      }
    }
    if (issues.length > 0) throw new ValidationError(issues);
    const commands: Array<[string, ...string[]]> = [];
    if (sets.length > 0) commands.push(["HSET", this.key, ...sets.flat()]);
    if (fields.length > 0) commands.push(["HDEL", this.key, ...fields]);
    if (commands.length === 0) return;
    for (const result of await this.#client.transaction(commands)) outcome(result);
  }

  /** Removes one property; resolves true when it existed. */
  async delete(prop: string, options?: PropOptions): Promise<boolean> {
    const name = parseInput(propNameSchema, prop, "prop");
    const { extended = false } = parseInput(propOptionsSchema, options ?? {}, "options");
    return (await this.#client.command(["HDEL", this.key, fieldOf(name, extended)])) === 1;
  }

  /** The extended properties, read with HSCAN MATCH e* as KRules does. */
  async extProps(): Promise<Record<string, unknown>> {
    const ext: Record<string, unknown> = {};
    let cursor = "0";
    do {
      const reply = await this.#client.command([
        "HSCAN",
        this.key,
        cursor,
        "MATCH",
        `${EXTENDED_TYPE}*`,
        "COUNT",
        HSCAN_COUNT,
      ]);
      const [next, page] = Array.isArray(reply) ? reply : [];
      cursor = String(next ?? "0");
      const pairs = asStrings(page ?? []);
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const prop = pairs[i]!.slice(1);
        define(ext, prop, this.#decode(pairs[i + 1]!, prop, true));
      }
    } while (cursor !== "0");
    return ext;
  }

  /** Deletes the whole subject; resolves true when it existed. */
  async flush(): Promise<boolean> {
    return (await this.#client.command(["DEL", this.key])) === 1;
  }

  #decode(text: string, prop: string, extended: boolean): unknown {
    try {
      return decodeJson(text);
    } catch (error) {
      throw new SubjectValueError(this.name, prop, extended, "does not hold valid JSON", {
        cause: error,
      });
    }
  }
}

const storeChangesSchema = z
  .object({
    set: z.record(propNameSchema, z.unknown()).optional(),
    setExt: z.record(propNameSchema, z.unknown()).optional(),
    delete: z.array(propNameSchema).optional(),
    deleteExt: z.array(propNameSchema).optional(),
  })
  .strict();

function encodeValue(value: unknown, path: string): string {
  const encoded = encodeJson(value);
  if (!encoded.ok) {
    throw new ValidationError(
      encoded.issues.map((issue) => ({ path: joinPath(path, issue.path), message: issue.message })),
    );
  }
  return encoded.text;
}

/** The reply of a transaction step; a failed step rejects with its CommandError. */
function outcome(
  result: { ok: true; result: RedisReply } | { ok: false; error: Error } | undefined,
) {
  if (!result) return null;
  if (!result.ok) throw result.error;
  return result.result;
}

/** HGETALL-style replies; a missing hash is an empty one. */
function asStrings(reply: RedisReply): string[] {
  return reply === null ? [] : replyStrings(reply, "a subject read");
}

/** Sets an own property even for names like `__proto__`. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
