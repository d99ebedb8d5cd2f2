/**
 * The priority stream: items with an id, data, a priority and an enqueue time, served highest
 * priority first and first-in first-out among equal priorities. Each operation is one Lua script
 * (one EVALSHA round trip); the scripts sit beside this file, one per operation.
 */
import type { CallOptions, CoreClient } from "../core/client.js";
import type { RedisArg, RedisReply } from "../core/port.js";
import { retryWindowMs } from "../core/retry.js";
import type { Script } from "../core/script.js";
import { parseInput } from "../core/validation.js";
import {
  asArray,
  asStrings,
  decodeItem,
  encodeData,
  type PriorityItem,
  priorityOf,
} from "./codec.js";
import { priorityKeys, pullReplyKey } from "./keys.js";
import {
  ackScript,
  addScript,
  clearScript,
  decrementAllScript,
  deleteBelowScript,
  expiredScript,
  getGateScript,
  getScript,
  incrementScript,
  peekScript,
  pullScript,
  removeScript,
  setGateScript,
  sizeScript,
} from "./lua.gen.js";
import {
  type AckEntry,
  ADD_MANY_CHUNK_BYTES,
  ADD_MANY_CHUNK_ITEMS,
  type AddOptions,
  ackEntriesSchema,
  addItemsSchema,
  addOptionsSchema,
  DEFAULT_EXPIRED_LIMIT,
  type DeleteBelowOptions,
  dataSchema,
  deleteBelowOptionsSchema,
  deltaSchema,
  type ExpiredOptions,
  expiredOptionsSchema,
  gateSchema,
  idSchema,
  idsSchema,
  type JsonValue,
  PULL_REPLY_KEEP_MS,
  type PullOptions,
  prioritySchema,
  pullOptionsSchema,
  streamNameSchema,
  thresholdSchema,
} from "./schemas.js";

export interface AddResult {
  /** True when the id was new and has been enqueued now. */
  added: boolean;
  /** The item's priority after the call. */
  priority: number;
}

export interface AddManyResult {
  /** Ids enqueued now. */
  added: number;
  /** Ids that were already there (handled per `ifExists`), repeats within the call included. */
  existing: number;
}

export interface AddManyItem<T = JsonValue> {
  id: string;
  data: T;
  priority: number;
}

export interface StreamSize {
  /** Items that a pull can return. */
  ready: number;
  /** Items hidden by a running lease. */
  leased: number;
}

export class PriorityStream<T = JsonValue> {
  readonly name: string;
  readonly #client: CoreClient;
  readonly #keys: string[];
  /** pull.lua's keys for a pull that does not purge: the seven, and an unused 8th. */
  readonly #pullKeys: string[];

  /** Prefer `client.priority(name)`. Throws a ValidationError for a bad name. */
  constructor(client: CoreClient, name: string) {
    this.name = parseInput(streamNameSchema, name, "name");
    this.#client = client;
    this.#keys = priorityKeys(client, this.name);
    this.#pullKeys = [...this.#keys, pullReplyKey(client, this.name, "")];
  }

  /**
   * Adds one item, or updates it when the id is already there (ready or leased), per `ifExists`:
   * `replace` (default) sets data and priority, `keep` changes nothing, `increment` adds
   * `priority` to the current priority and sets data. An existing item keeps its enqueue time
   * and its place among equal priorities.
   */
  async add(id: string, data: T, priority: number, options?: AddOptions): Promise<AddResult> {
    const validId = parseInput(idSchema, id, "id");
    const validData = parseInput(dataSchema, data, "data");
    const validPriority = parseInput(prioritySchema, priority, "priority");
    const ifExists = parseInput(addOptionsSchema, options, "options")?.ifExists ?? "replace";
    const reply = asArray(
      await this.#run(
        addScript,
        [ifExists, "1", validId, negated(validPriority), encodeData(validData)],
        ifExists !== "increment",
      ),
    );
    return { added: reply[0] === "1", priority: priorityOf(reply[1] ?? "0", reply[2] ?? "0") };
  }

  /**
   * Adds or updates many items, in order, with the same `ifExists` rules as `add`. Up to 1,000
   * items (and ~1 MB of ids and data) go in one atomic script call; larger arrays are sent in
   * such chunks, one after the other, each atomic. Every item is validated before any is sent.
   */
  async addMany(items: readonly AddManyItem<T>[], options?: AddOptions): Promise<AddManyResult> {
    const valid = parseInput(addItemsSchema, items, "items");
    const ifExists = parseInput(addOptionsSchema, options, "options")?.ifExists ?? "replace";
    const result: AddManyResult = { added: 0, existing: 0 };
    for (const chunk of addManyChunks(valid)) {
      const reply = asStrings(
        await this.#run(addScript, [ifExists, "0", ...chunk], ifExists !== "increment"),
      );
      result.added += Number(reply[0]);
      result.existing += Number(reply[1]);
    }
    return result;
  }

  /**
   * Takes up to `count` (default 1, at most 10,000) items, highest priority first, equal
   * priorities first-in first-out.
   * - `purge` (default true): the items are removed. Retry-safe: the pull carries a pull id
   *   (`pullId`, default a random one per call) and its reply is kept for at least
   *   PULL_REPLY_KEEP_MS, so a retry after a timeout or a lost connection gets the same items.
   *   Delivered at most once: items a pull removed are lost if its caller gives up (or repeats
   *   with the same id only after the reply expired);
   * - `leaseMs`: the items are hidden until `ack` or until the lease ends, when they come back by
   *   themselves (at least once; a retried lease pull may leave the first attempt's items hidden
   *   until their lease ends); excludes `purge: true`;
   * - `purge: false` without a lease: a peek, nothing changes;
   * - `gate: true`: only items whose priority is ≥ the stream's gate (no gate set: no filter).
   */
  async pull(options?: PullOptions): Promise<PriorityItem<T>[]> {
    const o = parseInput(pullOptionsSchema, options, "options") ?? {};
    const mode = o.leaseMs !== undefined ? "lease" : (o.purge ?? true) ? "purge" : "peek";
    // A peek has a script of its own that writes nothing (a read-only caller may peek).
    if (mode === "peek") {
      return this.#items(await this.#run(peekScript, [o.count ?? 1, o.gate ? "1" : "0"], true));
    }
    const keys =
      mode === "purge"
        ? [...this.#keys, pullReplyKey(this.#client, this.name, o.pullId ?? crypto.randomUUID())]
        : this.#pullKeys;
    // Every mode is safe to repeat: a purge by its pull id, a lease because its items come back.
    const args = [
      o.count ?? 1,
      mode,
      o.gate ? "1" : "0",
      o.leaseMs ?? 0,
      mode === "purge" ? this.#pullReplyKeepMs() : 0,
    ];
    return this.#items(await this.#client.runScript(pullScript, keys, args, { idempotent: true }));
  }

  /** The items of a pull or peek reply: {offset, leasedUntil, "member\nscore...", values}. */
  #items(raw: RedisReply): PriorityItem<T>[] {
    const reply = asArray(raw);
    const offset = reply[0] ?? "0";
    const leasedUntil = reply[1] ?? "";
    const picked = typeof reply[2] === "string" && reply[2] !== "" ? reply[2].split("\n") : [];
    const values = asArray(reply[3] ?? []);
    const items: PriorityItem<T>[] = [];
    for (let i = 0; i < values.length; i++) {
      items.push(
        decodeItem<T>(offset, picked[2 * i]!, picked[2 * i + 1]!, values[i] ?? null, leasedUntil),
      );
    }
    return items;
  }

  /**
   * How long a purge pull's reply is kept: PULL_REPLY_KEEP_MS, or longer when this client's
   * retries of one call can take longer, so the last retry still finds the first attempt's reply.
   */
  #pullReplyKeepMs(): number {
    const client = this.#client;
    return Math.max(PULL_REPLY_KEEP_MS, retryWindowMs(client.retryPolicy, client.commandTimeoutMs));
  }

  /**
   * Completes leased items: each is removed for good if its lease is still running. Pass the
   * `{ id, leasedUntil }` a pull returned to ack only that lease (refused if the lease ran out
   * and the item was leased again since). Resolves with the ids acked; the others were refused
   * (not leased, lease over, unknown id).
   */
  async ack(ids: readonly AckEntry[]): Promise<string[]> {
    const entries = parseInput(ackEntriesSchema, ids, "ids");
    if (entries.length === 0) return [];
    const args: RedisArg[] = [];
    for (const entry of entries) {
      if (typeof entry === "string") args.push(entry, "");
      else args.push(entry.id, entry.leasedUntil);
    }
    return asStrings(await this.#run(ackScript, args, true));
  }

  /** Adds `delta` to one item's priority; resolves with the new priority, or null if absent. */
  async increment(id: string, delta: number): Promise<number | null> {
    const validId = parseInput(idSchema, id, "id");
    const validDelta = parseInput(deltaSchema, delta, "delta");
    const reply = await this.#run(incrementScript, [validId, validDelta], false);
    if (reply === null) return null;
    const [offset, score] = asArray(reply);
    return priorityOf(offset ?? "0", score ?? "0");
  }

  /** Lowers every item's priority by `delta`, in O(1) whatever the stream's size. */
  async decrementAll(delta: number): Promise<void> {
    const validDelta = parseInput(deltaSchema, delta, "delta");
    await this.#run(decrementAllScript, [validDelta], false);
  }

  /**
   * Removes every item (ready or leased) whose priority is below `threshold` (strictly; with
   * `inclusive`, also equal) and resolves with their ids.
   */
  async deleteBelow(threshold: number, options?: DeleteBelowOptions): Promise<string[]> {
    const t = parseInput(thresholdSchema, threshold, "threshold");
    const o = parseInput(deleteBelowOptionsSchema, options, "options") ?? {};
    return asStrings(await this.#run(deleteBelowScript, [t, o.inclusive ? "1" : "0"], false));
  }

  /**
   * Items enqueued more than `ttlMs` ago by the server's clock, oldest first, at most `limit`
   * (default 1,000, at most 10,000); leased items included. `purge: true` also removes them (a
   * later ack of a purged leased item is refused).
   */
  async expired(options: ExpiredOptions): Promise<PriorityItem<T>[]> {
    const o = parseInput(expiredOptionsSchema, options, "options");
    const purge = o.purge ?? false;
    const reply = asArray(
      await this.#run(
        expiredScript,
        [o.ttlMs, purge ? "1" : "0", o.limit ?? DEFAULT_EXPIRED_LIMIT],
        !purge,
      ),
    );
    const offset = reply[0] ?? "0";
    const items: PriorityItem<T>[] = [];
    for (let i = 1; i + 3 < reply.length; i += 4) {
      items.push(decodeItem<T>(offset, reply[i]!, reply[i + 1]!, reply[i + 2]!, reply[i + 3]!));
    }
    return items;
  }

  /** One item by id (ready or leased: see `leasedUntil`), or null. Changes nothing. */
  async get(id: string): Promise<PriorityItem<T> | null> {
    const validId = parseInput(idSchema, id, "id");
    const reply = await this.#run(getScript, [validId], true);
    if (reply === null) return null;
    const [offset, member, score, value, leasedUntil] = asArray(reply);
    return decodeItem<T>(
      offset ?? "0",
      member ?? null,
      score ?? "0",
      value ?? null,
      leasedUntil ?? "",
    );
  }

  /** Removes items by id, ready or leased; resolves with the ids that were there. */
  async remove(ids: readonly string[]): Promise<string[]> {
    const valid = parseInput(idsSchema, ids, "ids");
    if (valid.length === 0) return [];
    return asStrings(await this.#run(removeScript, valid, true));
  }

  /** Counts ready and leased items; a lease that ran out counts as ready. Writes nothing. */
  async size(): Promise<StreamSize> {
    const [ready, leased] = asArray(await this.#run(sizeScript, [], true));
    return { ready: Number(ready), leased: Number(leased) };
  }

  /** Deletes every item and the priority offset; the gate stays. Resolves with the count deleted. */
  async clear(): Promise<number> {
    return Number(await this.#run(clearScript, [], true));
  }

  /** Sets the gate (`pull({ gate: true })` returns only priorities ≥ it), or removes it with null. */
  async setGate(value: number | null): Promise<void> {
    const gate = parseInput(gateSchema, value, "value");
    await this.#run(setGateScript, [gate === null ? "" : gate], true);
  }

  /** The gate, or null when none is set. */
  async getGate(): Promise<number | null> {
    const reply = await this.#run(getGateScript, [], true);
    return reply === null ? null : Number(reply);
  }

  #run(script: Script, args: readonly RedisArg[], idempotent: boolean): Promise<RedisReply> {
    const options: CallOptions = { idempotent };
    return this.#client.runScript(script, this.#keys, args, options);
  }
}

/**
 * The script calls `addMany` sends for these (already validated) items: each chunk holds the
 * `id, −priority, data` arguments of at most ADD_MANY_CHUNK_ITEMS items and is closed once its
 * ids and data reach ADD_MANY_CHUNK_BYTES. More than one chunk means more than one atomic call.
 */
export function addManyChunks(
  items: readonly { id: string; data: JsonValue; priority: number }[],
): RedisArg[][] {
  const chunks: RedisArg[][] = [];
  let chunk: RedisArg[] = [];
  let bytes = 0;
  for (const item of items) {
    const payload = encodeData(item.data);
    chunk.push(item.id, negated(item.priority), payload);
    bytes += item.id.length + payload.length;
    if (chunk.length >= 3 * ADD_MANY_CHUNK_ITEMS || bytes >= ADD_MANY_CHUNK_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Scores are stored negated (`offset − priority`), so add.lua takes `−priority` as text: with no
 * offset it passes it to ZADD unchanged instead of formatting a number per item.
 */
function negated(priority: number): string {
  return String(-priority || 0);
}

/** A priority stream named `name` on `client` (what `client.priority(name)` returns). */
export function priorityStream<T = JsonValue>(client: CoreClient, name: string): PriorityStream<T> {
  return new PriorityStream<T>(client, name);
}
