/**
 * The priority stream: items with an id, data, a priority and an enqueue time, served highest
 * priority first and first-in first-out among equal priorities. Each operation is one Lua script
 * (one EVALSHA round trip); the scripts sit beside this file, one per operation.
 */
import type { CallOptions, CoreClient } from "../core/client.js";
import { RedgeError } from "../core/errors.js";
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
import { type DeadLetter, decodeDeadLetter } from "./dead-letters.js";
import { latestEventId, type PriorityEvent, readEvents } from "./events.js";
import { eventsKey, priorityKeys, pullReplyKey } from "./keys.js";
import {
  ackScript,
  addScript,
  clearScript,
  deadLettersScript,
  decrementAllScript,
  deleteBelowScript,
  deleteDeadLettersScript,
  expiredScript,
  getGateScript,
  getScript,
  incrementScript,
  infoScript,
  nackScript,
  peekScript,
  pullScript,
  removeScript,
  requeueDeadLettersScript,
  scheduleScript,
  schedulesScript,
  setGateScript,
  setLimitsScript,
  setOptionsScript,
  sizeScript,
  unscheduleScript,
} from "./lua.gen.js";
import { decodeStreamOptions, encodeStreamOptions, type StoredOptions } from "./options.js";
import {
  CLOCK_SLACK_MS,
  checkCron,
  cronTimes,
  decodeSchedule,
  type Schedule,
} from "./schedules.js";
import {
  type AckEntry,
  ADD_MANY_CHUNK_BYTES,
  ADD_MANY_CHUNK_ITEMS,
  type AddManyOptions,
  type AddOptions,
  ackEntriesSchema,
  addItemsSchema,
  addManyOptionsSchema,
  addOptionsSchema,
  DEFAULT_DEAD_LETTERS_COUNT,
  DEFAULT_EXPIRED_LIMIT,
  type DeadLettersOptions,
  type DeleteBelowOptions,
  dataSchema,
  deadLettersOptionsSchema,
  deleteBelowOptionsSchema,
  deltaSchema,
  type EventsOptions,
  type ExpiredOptions,
  eventsOptionsSchema,
  expiredOptionsSchema,
  gateSchema,
  idSchema,
  idsSchema,
  type JsonValue,
  type Limits,
  limitsSchema,
  type NackOptions,
  nackOptionsSchema,
  PULL_REPLY_KEEP_MS,
  type PullOptions,
  prioritySchema,
  pullOptionsSchema,
  type ScheduleOptions,
  type StreamOptions,
  scheduleIdSchema,
  scheduleOptionsSchema,
  streamNameSchema,
  streamOptionsSchema,
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
  /** A new item becomes visible after this many ms (server clock). */
  delayMs?: number;
  /** ...or at this time (ms since the epoch, server clock). */
  runAt?: number;
}

/**
 * What `pull` resolves with: the items, and when the stream's limits held the pull to fewer items
 * than asked, `retryAfterMs`: how long until a pull can get more (a non-enumerable property, so
 * the array compares and serialises as the plain list of items).
 */
export type PullResult<T = JsonValue> = PriorityItem<T>[] & { readonly retryAfterMs?: number };

export interface NackResult {
  /** Ids that return for another attempt (after the delay or the backoff). */
  retried: string[];
  /** Ids whose attempts reached maxAttempts: now dead letters. */
  deadLettered: string[];
}

export interface StreamInfo {
  /** Delayed items (or retries waiting for their backoff) not yet due. */
  delayed: number;
  deadLetters: number;
  schedules: number;
  gate: number | null;
  options: StoredOptions;
  limits: Limits;
}

/** Thrown when `client.priority(name, options)` finds different options stored with the stream. */
export class StreamOptionsMismatchError extends RedgeError {
  readonly stream: string;
  readonly stored: StoredOptions;
  readonly requested: StoredOptions;
  constructor(stream: string, stored: StoredOptions, requested: StoredOptions) {
    super(
      "config",
      `priority stream "${stream}" is configured with ${JSON.stringify(stored)}, this client asks for ${JSON.stringify(requested)}: call setOptions() to change the stream's options`,
    );
    this.name = "StreamOptionsMismatchError";
    this.stream = stream;
    this.stored = stored;
    this.requested = requested;
  }
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
  /** pull.lua's keys for a pull that does not purge: the sixteen, and an unused 17th. */
  readonly #pullKeys: string[];
  /** The options this stream object was made with (set-options.lua's ARGV), if any. */
  readonly #options: RedisArg[] | undefined;
  /** The options check, run once before the first call when options were given. */
  #prepared: Promise<void> | undefined;

  /**
   * Prefer `client.priority(name)`. Throws a ValidationError for a bad name or bad options.
   *
   * With `options` (maxAttempts, backoff), the first call of this object first makes sure the
   * stream has them (one round trip, once): a stream without options stores them, one with the
   * same accepts them, one with different options makes every call of this object reject with a
   * StreamOptionsMismatchError (nothing else is sent) until `setOptions` changes them. Options
   * are the stream's, not the client's: one client cannot silently retry differently from another.
   */
  constructor(client: CoreClient, name: string, options?: StreamOptions) {
    this.name = parseInput(streamNameSchema, name, "name");
    this.#client = client;
    this.#keys = priorityKeys(client, this.name);
    this.#pullKeys = [...this.#keys, pullReplyKey(client, this.name, "")];
    if (options !== undefined) {
      this.#options = encodeStreamOptions(parseInput(streamOptionsSchema, options, "options"));
    }
  }

  /** Runs the options check once; a failure other than a mismatch is tried again next call. */
  #prepare(): Promise<void> | undefined {
    const options = this.#options;
    if (!options) return undefined;
    this.#prepared ??= (async () => {
      const reply = asStrings(await this.#runNow(setOptionsScript, ["ensure", ...options], true));
      if (reply[0] === "mismatch") {
        throw new StreamOptionsMismatchError(
          this.name,
          decodeStreamOptions(reply.slice(1)),
          decodeStreamOptions(options.map(String)),
        );
      }
    })().catch((error: unknown) => {
      if (!(error instanceof StreamOptionsMismatchError)) this.#prepared = undefined;
      throw error;
    });
    return this.#prepared;
  }

  /**
   * Adds one item, or updates it when the id is already there (ready, leased or delayed), per
   * `ifExists`: `replace` (default) sets data and priority, `keep` changes nothing, `increment`
   * adds `priority` to the current priority and sets data. An existing item keeps its enqueue time
   * and its place among equal priorities. A new item with `delayMs` or `runAt` stays invisible to
   * pulls, peeks and the gate until it is due (server clock), then competes by priority, equal
   * priorities in due-time order.
   */
  async add(id: string, data: T, priority: number, options?: AddOptions): Promise<AddResult> {
    const validId = parseInput(idSchema, id, "id");
    const validData = parseInput(dataSchema, data, "data");
    const validPriority = parseInput(prioritySchema, priority, "priority");
    const o = parseInput(addOptionsSchema, options, "options") ?? {};
    const ifExists = o.ifExists ?? "replace";
    const due = dueSpec(o);
    const item = [validId, negated(validPriority), encodeData(validData)];
    const reply = asArray(
      await this.#run(
        addScript,
        due === "" ? [ifExists, "1", "3", ...item] : [ifExists, "1", "4", ...item, due],
        ifExists !== "increment",
      ),
    );
    return { added: reply[0] === "1", priority: priorityOf(reply[1] ?? "0", reply[2] ?? "0") };
  }

  /**
   * Adds or updates many items, in order, with the same `ifExists` rules as `add` (and each new
   * item's own `delayMs` or `runAt`). Up to 1,000
   * items (and ~1 MB of ids and data) go in one atomic script call; larger arrays are sent in
   * such chunks, one after the other, each atomic. Every item is validated before any is sent.
   */
  async addMany(
    items: readonly AddManyItem<T>[],
    options?: AddManyOptions,
  ): Promise<AddManyResult> {
    const valid = parseInput(addItemsSchema, items, "items");
    const ifExists = parseInput(addManyOptionsSchema, options, "options")?.ifExists ?? "replace";
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
  async pull(options?: PullOptions): Promise<PullResult<T>> {
    const o = parseInput(pullOptionsSchema, options, "options") ?? {};
    const mode = o.leaseMs !== undefined ? "lease" : (o.purge ?? true) ? "purge" : "peek";
    // A peek has a script of its own that writes nothing (a read-only caller may peek).
    if (mode === "peek") {
      return this.#items(
        await this.#run(peekScript, [o.count ?? 1, o.gate ? "1" : "0"], true),
        false,
      );
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
    await this.#prepare();
    const reply = await this.#client.runScript(pullScript, keys, args, { idempotent: true });
    const items = this.#items(reply, true);
    const topups = asArray(reply)[6];
    if (typeof topups === "string" && topups !== "") await this.#topUp(topups);
    return items;
  }

  /**
   * Adds cron times to the schedules a pull said run low ("id\ncron\ntz\nfrom" per schedule):
   * a second round trip, once per 48 occurrences of a cron schedule. A failure is left for the
   * next pull of that schedule to repeat (16 occurrences of margin); the pulled items are
   * returned either way.
   */
  async #topUp(lines: string): Promise<void> {
    const parts = lines.split("\n");
    for (let i = 0; i + 3 < parts.length; i += 4) {
      const [id, cron, tz, from] = parts.slice(i, i + 4) as [string, string, string, string];
      try {
        const times = cronTimes(cron, tz === "" ? undefined : tz, Number(from));
        await this.#runNow(scheduleScript, ["extend", id, times.join("\n")], true);
      } catch {
        // Repeated by the next pull that takes one of this schedule's occurrences.
      }
    }
  }

  /**
   * The items of a pull or peek reply: {offset, leasedUntil, "member\nscore...", values,
   * attempts, retryAfterMs, schedules}. `delivered`: the items were handed out by this call (their
   * attempt counts this one).
   */
  #items(raw: RedisReply, delivered: boolean): PullResult<T> {
    const reply = asArray(raw);
    const offset = reply[0] ?? "0";
    const leasedUntil = reply[1] ?? "";
    const picked = typeof reply[2] === "string" && reply[2] !== "" ? reply[2].split("\n") : [];
    const values = asArray(reply[3] ?? []);
    const earlier = typeof reply[4] === "string" && reply[4] !== "" ? reply[4].split("\n") : [];
    const items: PriorityItem<T>[] = [];
    const extra = delivered ? 1 : 0;
    for (let i = 0; i < values.length; i++) {
      items.push(
        decodeItem<T>(
          offset,
          picked[2 * i]!,
          picked[2 * i + 1]!,
          values[i] ?? null,
          leasedUntil,
          Number(earlier[i] ?? 0) + extra,
        ),
      );
    }
    const retryAfter = reply[5];
    if (typeof retryAfter === "string" && retryAfter !== "") {
      Object.defineProperty(items, "retryAfterMs", {
        value: Number(retryAfter),
        enumerable: false,
      });
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

  /**
   * Ends leases without completing them: each item whose lease is still running (only that very
   * lease when its `leasedUntil` is given, as for ack) counts a failed attempt and returns for
   * another one after `delayMs` (default: the stream's backoff; none or 0: at once, in its place),
   * or, once its attempts reach the stream's `maxAttempts`, moves to the dead letters with
   * `reason`. Ids not leased (or whose lease ran out) are in neither list. Not retried blindly:
   * a repeat would count the attempt twice.
   */
  async nack(ids: readonly AckEntry[], options?: NackOptions): Promise<NackResult> {
    const entries = parseInput(ackEntriesSchema, ids, "ids");
    const o = parseInput(nackOptionsSchema, options, "options") ?? {};
    if (entries.length === 0) return { retried: [], deadLettered: [] };
    const args: RedisArg[] = [o.delayMs ?? "", o.reason ?? ""];
    for (const entry of entries) {
      if (typeof entry === "string") args.push(entry, "");
      else args.push(entry.id, entry.leasedUntil);
    }
    const [retried, deadLettered] = asArray(await this.#run(nackScript, args, false));
    return { retried: asStrings(retried ?? []), deadLettered: asStrings(deadLettered ?? []) };
  }

  /** Dead letters, oldest first, at most `count` (default 100, at most 10,000). Changes nothing. */
  async deadLetters(options?: DeadLettersOptions): Promise<DeadLetter<T>[]> {
    const o = parseInput(deadLettersOptionsSchema, options, "options") ?? {};
    const reply = asStrings(
      await this.#run(deadLettersScript, [o.count ?? DEFAULT_DEAD_LETTERS_COUNT], true),
    );
    const letters: DeadLetter<T>[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      letters.push(decodeDeadLetter<T>(reply[i]!, reply[i + 1]!));
    }
    return letters;
  }

  /**
   * Returns dead letters to the stream as new items (their data and last priority, enqueued now,
   * attempts from 0). Resolves with the ids requeued; an id that is in the stream again (added
   * since) stays a dead letter.
   */
  async requeueDeadLetters(ids: readonly string[]): Promise<string[]> {
    const valid = parseInput(idsSchema, ids, "ids");
    if (valid.length === 0) return [];
    return asStrings(await this.#run(requeueDeadLettersScript, valid, true));
  }

  /** Deletes dead letters by id; resolves with the ids deleted. */
  async deleteDeadLetters(ids: readonly string[]): Promise<string[]> {
    const valid = parseInput(idsSchema, ids, "ids");
    if (valid.length === 0) return [];
    return asStrings(await this.#run(deleteDeadLettersScript, valid, true));
  }

  /**
   * Replaces the stream's retry policy (maxAttempts, backoff) for every client; `{}` removes it.
   * A `client.priority(name, options)` object made with other options then rejects its calls.
   */
  async setOptions(options: StreamOptions): Promise<void> {
    const valid = parseInput(streamOptionsSchema, options, "options");
    await this.#runNow(setOptionsScript, ["set", ...encodeStreamOptions(valid)], true);
    // This object's own options are checked again against what is stored now.
    this.#prepared = undefined;
  }

  /**
   * Replaces the stream's limits, enforced inside every pull across all consumers: `concurrency`
   * (most items leased at once) and `rate` (most items taken, leased or purged, in any window of
   * `perMs`). A limit left out is removed; `{}` removes both. A pull the limits hold back returns
   * what they allow and says `retryAfterMs`.
   */
  async setLimits(limits: Limits): Promise<void> {
    const l = parseInput(limitsSchema, limits, "limits");
    await this.#run(
      setLimitsScript,
      [l.concurrency ?? "", l.rate?.max ?? "", l.rate?.perMs ?? ""],
      true,
    );
  }

  /** The stream's settings and the counts `size` leaves out. Changes nothing. */
  async info(): Promise<StreamInfo> {
    const r = asArray(await this.#runNow(infoScript, [], true));
    const text = (i: number) => (typeof r[i] === "string" ? (r[i] as string) : "");
    const limits: Limits = {};
    if (text(9) !== "") limits.concurrency = Number(text(9));
    if (text(10) !== "") limits.rate = { max: Number(text(10)), perMs: Number(text(11)) };
    return {
      delayed: Number(r[0]),
      deadLetters: Number(r[1]),
      schedules: Number(r[2]),
      gate: text(3) === "" ? null : Number(text(3)),
      options: decodeStreamOptions([4, 5, 6, 7, 8].map(text)),
      limits,
    };
  }

  /**
   * Lifecycle events after `from` (default "0": every event the capped stream still keeps; "$":
   * only events from now on), oldest first, at most `count` (default 100). With `blockMs`, waits
   * that long for one when there is none yet: on TCP a blocking XREAD on a pooled connection of its
   * own, on REST by polling (the gateway refuses blocking commands). Pass the last event's `id` as
   * the next `from`. Changes nothing.
   */
  async events(options?: EventsOptions): Promise<PriorityEvent[]> {
    const o = parseInput(eventsOptionsSchema, options, "options") ?? {};
    return readEvents(this.#client, eventsKey(this.#client, this.name), o);
  }

  /**
   * Creates or replaces a schedule: an occurrence `<id>@<due ms>` (an item with this data and
   * priority) `every` ms, or at the times of a `cron` expression (in `tz`, default UTC). One
   * occurrence is in the stream at a time, as a delayed item until due; when a pull takes it, the
   * same script enqueues the next, so the schedule neither doubles nor stops when consumers crash
   * (a retried occurrence is not the current one any more). Calling it again with the same id
   * replaces the schedule and keeps the occurrence already in the stream. Resolves with that
   * occurrence's item id and due time (server ms), or nulls when the schedule has no time left.
   */
  async schedule(
    id: string,
    data: T,
    priority: number,
    options: ScheduleOptions,
  ): Promise<{ id: string | null; nextAt: number | null }> {
    const validId = parseInput(scheduleIdSchema, id, "id");
    const validData = parseInput(dataSchema, data, "data");
    const validPriority = parseInput(prioritySchema, priority, "priority");
    const o = parseInput(scheduleOptionsSchema, options, "options");
    let times: number[] = [];
    if (o.cron !== undefined) {
      checkCron(o.cron, o.tz);
      const now = Date.now();
      times = cronTimes(o.cron, o.tz, now - CLOCK_SLACK_MS, now + CLOCK_SLACK_MS);
    }
    const reply = asStrings(
      await this.#run(
        scheduleScript,
        [
          "set",
          validId,
          o.every ?? "",
          o.cron ?? "",
          o.tz ?? "",
          String(validPriority),
          encodeData(validData),
          times.join("\n"),
        ],
        true,
      ),
    );
    return reply[0] ? { id: reply[0], nextAt: Number(reply[1]) } : { id: null, nextAt: null };
  }

  /** Deletes a schedule and its occurrence still waiting (a leased one finishes). */
  async unschedule(id: string): Promise<boolean> {
    const validId = parseInput(scheduleIdSchema, id, "id");
    return Number(await this.#run(unscheduleScript, [validId], true)) === 1;
  }

  /** The stream's schedules, with when their occurrence in the stream is due. Changes nothing. */
  async schedules(): Promise<Schedule<T>[]> {
    const reply = asStrings(await this.#run(schedulesScript, [], true));
    const out: Schedule<T>[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      out.push(decodeSchedule<T>(reply[i]!, reply[i + 1]!, reply[i + 2]!));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The newest event's id, or "0-0" when there is none: where to start reading only new ones. */
  latestEventId(): Promise<string> {
    return latestEventId(this.#client, eventsKey(this.#client, this.name));
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
    const [offset, member, score, value, leasedUntil, attempts] = asArray(reply);
    const leased = leasedUntil !== "" && leasedUntil !== null && leasedUntil !== undefined;
    return decodeItem<T>(
      offset ?? "0",
      member ?? null,
      score ?? "0",
      value ?? null,
      leasedUntil ?? "",
      Number(attempts ?? 0) + (leased ? 1 : 0),
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

  async #run(script: Script, args: readonly RedisArg[], idempotent: boolean): Promise<RedisReply> {
    await this.#prepare();
    return this.#runNow(script, args, idempotent);
  }

  #runNow(script: Script, args: readonly RedisArg[], idempotent: boolean): Promise<RedisReply> {
    const options: CallOptions = { idempotent };
    return this.#client.runScript(script, this.#keys, args, options);
  }
}

/** add.lua's due time for an item: "" now, "+<ms>" after a delay, "@<ms>" at a time. */
function dueSpec(o: { delayMs?: number | undefined; runAt?: number | undefined }): string {
  if (o.delayMs !== undefined && o.delayMs > 0) return `+${o.delayMs}`;
  if (o.runAt !== undefined) return `@${o.runAt}`;
  return "";
}

/**
 * The script calls `addMany` sends for these (already validated) items: each chunk holds its
 * stride ("3", or "4" when an item of the chunk has a due time) and then the `id, −priority, data`
 * arguments (and the due time) of at most ADD_MANY_CHUNK_ITEMS items, and is closed once its ids
 * and data reach ADD_MANY_CHUNK_BYTES. More than one chunk means more than one atomic call.
 */
export function addManyChunks(
  items: readonly {
    id: string;
    data: JsonValue;
    priority: number;
    delayMs?: number | undefined;
    runAt?: number | undefined;
  }[],
): RedisArg[][] {
  const chunks: (typeof items)[number][][] = [];
  let chunk: (typeof items)[number][] = [];
  let bytes = 0;
  const payloads = new Map<(typeof items)[number], string>();
  for (const item of items) {
    const payload = encodeData(item.data);
    payloads.set(item, payload);
    chunk.push(item);
    bytes += item.id.length + payload.length;
    if (chunk.length >= ADD_MANY_CHUNK_ITEMS || bytes >= ADD_MANY_CHUNK_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks.map((part) => {
    const due = part.map(dueSpec);
    const stride = due.some((d) => d !== "") ? 4 : 3;
    const args: RedisArg[] = [String(stride)];
    part.forEach((item, i) => {
      args.push(item.id, negated(item.priority), payloads.get(item)!);
      if (stride === 4) args.push(due[i]!);
    });
    return args;
  });
}

/**
 * Scores are stored negated (`offset − priority`), so add.lua takes `−priority` as text: with no
 * offset it passes it to ZADD unchanged instead of formatting a number per item.
 */
function negated(priority: number): string {
  return String(-priority || 0);
}

/** A priority stream named `name` on `client` (what `client.priority(name, options)` returns). */
export function priorityStream<T = JsonValue>(
  client: CoreClient,
  name: string,
  options?: StreamOptions,
): PriorityStream<T> {
  return new PriorityStream<T>(client, name, options);
}
