/**
 * A stream queue (seed: STEP `StepRedisStream`): Redis Streams with one consumer group, at-least-once
 * delivery, reclaim of messages a consumer left behind, dead letters, and stream TTL.
 *
 * Keys (one hash tag, so every script runs on Cluster): the stream `st:{name}` and its dead-letter
 * stream `st:{name}:dead`, both behind the client's key prefix.
 */
import type { CoreClient } from "../core/client.js";
import { CommandError, ValidationError } from "../core/errors.js";
import type { RedisCommand, RedisReply } from "../core/port.js";
import { parseInput } from "../core/validation.js";
import {
  DATA_FIELD,
  type DeadLetter,
  encodeData,
  type PendingMessage,
  type PendingSummary,
  parseDeadLetters,
  parsePendingMessages,
  parsePendingSummary,
  parseReceiveReply,
  type StreamMessage,
} from "./codec.js";
import { streamKeys } from "./keys.js";
import { receiveScript } from "./lua.gen.js";
import {
  type CreateGroupOptions,
  createGroupOptionsSchema,
  type DeadLettersOptions,
  deadLettersOptionsSchema,
  idsSchema,
  jsonValueSchema,
  nameSchema,
  type ParsedReceiveOptions,
  type PendingMessagesOptions,
  type PublishOptions,
  pendingMessagesOptionsSchema,
  publishOptionsSchema,
  type ReceiveOptions,
  receiveOptionsSchema,
  type StreamOptions,
  streamOptionsSchema,
  touchTtlSchema,
} from "./schemas.js";
import { waitForMessages } from "./wait.js";

/** Messages per pipeline in `publishMany`: bounds one request's size (REST bodies are limited). */
export const PUBLISH_BATCH = 1_000;

export class StreamQueue<T = unknown> {
  readonly name: string;
  readonly group: string;
  /** The stream's Redis key, `<prefix>st:{name}`. */
  readonly key: string;
  /** The dead-letter stream's key, `<prefix>st:{name}:dead`. */
  readonly deadLetterKey: string;
  readonly options: Readonly<StreamOptions>;
  readonly #client: CoreClient;

  constructor(client: CoreClient, name: string, options: StreamOptions) {
    this.name = parseInput(nameSchema, name, "name");
    this.options = parseInput(streamOptionsSchema, options, "options");
    this.group = this.options.group;
    this.#client = client;
    const keys = streamKeys(client, this.name);
    this.key = keys.stream;
    this.deadLetterKey = keys.deadLetters;
  }

  /**
   * Creates the consumer group (and the stream, if missing). Idempotent: resolves `false` when the
   * group already exists. Refreshes the stream's TTL when the queue has `ttlMs`.
   */
  async createGroup(options: CreateGroupOptions = {}): Promise<boolean> {
    const { startId } = parseInput(createGroupOptionsSchema, options, "options");
    const commands: RedisCommand[] = [
      ["XGROUP", "CREATE", this.key, this.group, startId, "MKSTREAM"],
    ];
    if (this.options.ttlMs) commands.push(["PEXPIRE", this.key, this.options.ttlMs]);
    const [created] = await this.#client.pipeline(commands);
    if (created?.ok) return true;
    if (created && !created.ok && created.error.prefix === "BUSYGROUP") return false;
    throw created?.error ?? new CommandError("ERR XGROUP CREATE got no reply");
  }

  /**
   * Appends one message (any JSON value) and resolves its id. Trims the stream to about `maxLen`
   * entries (`MAXLEN ~`) and refreshes its TTL in the same round trip.
   *
   * Not retried after a fault where it may have run, so a message is not added twice.
   */
  async publish(message: T, options: PublishOptions = {}): Promise<string> {
    if (this.options.ttlMs) {
      const [id] = await this.publishMany([message], options);
      return id!;
    }
    // Without a TTL to refresh it is a single XADD: no pipeline needed.
    const { maxLen = this.options.maxLen } = parseInput(publishOptionsSchema, options, "options");
    parseInput(jsonValueSchema, message, "messages.0");
    const trim = maxLen ? ["MAXLEN", "~", maxLen] : [];
    const command: RedisCommand = ["XADD", this.key, ...trim, "*", DATA_FIELD, encodeData(message)];
    return String(await this.#client.command(command, { idempotent: false }));
  }

  /**
   * Appends messages in order and resolves their ids: one round trip per 1,000 messages (a
   * pipeline, not a transaction: after a fault, an earlier part of a large batch may be in).
   */
  async publishMany(messages: readonly T[], options: PublishOptions = {}): Promise<string[]> {
    if (!Array.isArray(messages)) {
      throw new ValidationError([{ path: "messages", message: "must be an array" }]);
    }
    const { maxLen = this.options.maxLen } = parseInput(publishOptionsSchema, options, "options");
    const encoded = messages.map((m, i) => {
      parseInput(jsonValueSchema, m, `messages.${i}`);
      return encodeData(m);
    });
    const trim = maxLen ? ["MAXLEN", "~", maxLen] : [];
    const ids: string[] = [];
    for (let start = 0; start < encoded.length; start += PUBLISH_BATCH) {
      const commands: RedisCommand[] = encoded
        .slice(start, start + PUBLISH_BATCH)
        .map((data) => ["XADD", this.key, ...trim, "*", DATA_FIELD, data]);
      if (this.options.ttlMs) commands.push(["PEXPIRE", this.key, this.options.ttlMs]);
      const outcomes = await this.#client.pipeline(commands, { idempotent: false });
      for (const outcome of outcomes.slice(0, commands.length - (this.options.ttlMs ? 1 : 0))) {
        if (!outcome.ok) throw outcome.error;
        ids.push(String(outcome.result));
      }
    }
    return ids;
  }

  /**
   * Hands this consumer up to `count` messages: first ones other consumers left unacknowledged
   * for `claimIdleMs` (messages delivered more than `maxDeliveries` times go to the dead letters
   * instead), then new ones. With `blockMs`, waits that long for a message when none is there.
   *
   * Each message stays pending under this consumer until `ack`ed; if the consumer dies, another
   * one reclaims it with `claimIdleMs` (at-least-once: process messages idempotently).
   *
   * Refreshes the stream's TTL (and its dead letters') to `ttlMs` (the option, else the queue's)
   * in the same script, as STEP's `receive_message` does: a stream consumers still read from
   * does not expire because nobody published for a while.
   */
  async receive(options: ReceiveOptions): Promise<StreamMessage<T>[]> {
    const parsed = parseInput(receiveOptionsSchema, options, "options");
    const until = performance.now() + parsed.blockMs;
    const messages = await this.#receiveNow(parsed);
    if (messages.length > 0 || parsed.blockMs === 0) return messages;
    // TCP: a second round trip when waiting (a blocking read cannot run inside a script).
    return waitForMessages<T>(
      this.#client,
      {
        key: this.key,
        group: this.group,
        consumer: parsed.consumer,
        count: parsed.count,
        until,
        acquireTimeoutMs: parsed.acquireTimeoutMs,
        signal: parsed.signal,
      },
      () => this.#receiveNow(parsed),
    );
  }

  /** Acknowledges messages; resolves how many were pending (an id acked twice counts once). */
  async ack(ids: string | readonly string[]): Promise<number> {
    const list = parseInput(idsSchema, typeof ids === "string" ? [ids] : ids, "ids");
    if (list.length === 0) return 0;
    return Number(await this.#client.command(["XACK", this.key, this.group, ...list]));
  }

  /** The group's pending messages: how many, the id range, and how many per consumer. */
  async pending(): Promise<PendingSummary> {
    return parsePendingSummary(await this.#client.command(["XPENDING", this.key, this.group]));
  }

  /** Pending messages one by one (oldest first): owner, idle time and delivery count. */
  async pendingMessages(options: PendingMessagesOptions = {}): Promise<PendingMessage[]> {
    const o = parseInput(pendingMessagesOptionsSchema, options, "options");
    const command: RedisCommand = [
      "XPENDING",
      this.key,
      this.group,
      ...(o.minIdleMs ? ["IDLE", o.minIdleMs] : []),
      o.after ? `(${o.after}` : "-",
      "+",
      o.count,
      ...(o.consumer ? [o.consumer] : []),
    ];
    return parsePendingMessages(await this.#client.command(command));
  }

  /**
   * Sets the stream's time to live (seed: `update_stream_ttl`), and its dead letters', to `ttlMs`
   * (default: the queue's `ttlMs`). Resolves `false` when the stream does not exist.
   */
  async touch(ttlMs?: number): Promise<boolean> {
    const ttl = ttlMs ?? this.options.ttlMs;
    if (ttl === undefined) {
      throw new ValidationError([
        { path: "ttlMs", message: "is required (the stream has no ttlMs option)" },
      ]);
    }
    parseInput(touchTtlSchema, ttl, "ttlMs");
    const [stream, dead] = await this.#client.pipeline([
      ["PEXPIRE", this.key, ttl],
      ["PEXPIRE", this.deadLetterKey, ttl],
    ]);
    if (stream && !stream.ok) throw stream.error;
    if (dead && !dead.ok) throw dead.error;
    return stream?.ok === true && Number(stream.result) === 1;
  }

  /** Dead letters, oldest first; page with `after` (the last dead-letter id seen). */
  async deadLetters(options: DeadLettersOptions = {}): Promise<DeadLetter<T>[]> {
    const o = parseInput(deadLettersOptionsSchema, options, "options");
    const start = o.after ? `(${o.after}` : "-";
    const reply = await this.#client.command([
      "XRANGE",
      this.deadLetterKey,
      start,
      "+",
      "COUNT",
      o.count,
    ]);
    return parseDeadLetters<T>(reply);
  }

  /** Removes dead letters by their dead-letter ids (e.g. once handled); resolves how many. */
  async deleteDeadLetters(ids: string | readonly string[]): Promise<number> {
    const list = parseInput(idsSchema, typeof ids === "string" ? [ids] : ids, "ids");
    if (list.length === 0) return 0;
    return Number(await this.#client.command(["XDEL", this.deadLetterKey, ...list]));
  }

  /** Entries in the stream (acknowledged ones included, until trimmed). */
  async length(): Promise<number> {
    return Number(await this.#client.command(["XLEN", this.key]));
  }

  /** One non-blocking receive: reclaim, dead-letter and read new, in one script. */
  async #receiveNow(o: ParsedReceiveOptions): Promise<StreamMessage<T>[]> {
    const reply = await this.#client.runScript<RedisReply>(
      receiveScript,
      [this.key, this.deadLetterKey],
      [
        this.group,
        o.consumer,
        o.count,
        o.claimIdleMs ?? 0,
        this.options.maxDeliveries ?? 0,
        o.ttlMs ?? this.options.ttlMs ?? 0,
        this.options.maxLen ?? 0,
      ],
      // Safe to repeat: if a reply is lost, its messages stay pending and are reclaimed later.
      { idempotent: true, ...(o.signal ? { signal: o.signal } : {}) },
    );
    return parseReceiveReply<T>(reply);
  }
}

/**
 * A stream queue over `client`'s Redis.
 *
 * @example
 * const jobs = createStream<{ url: string }>(redis, "jobs", { group: "workers", maxLen: 100_000 });
 * await jobs.createGroup();
 * await jobs.publish({ url: "https://example.com" });
 * for (const m of await jobs.receive({ consumer: "w1", count: 10, blockMs: 5_000, claimIdleMs: 60_000 })) {
 *   await handle(m.data);
 *   await jobs.ack(m.id);
 * }
 */
export function createStream<T = unknown>(
  client: CoreClient,
  name: string,
  options: StreamOptions,
): StreamQueue<T> {
  return new StreamQueue<T>(client, name, options);
}
