/**
 * The command port: the one small interface every capability is built on. A transport (REST over
 * fetch, TCP over ioredis) implements it; capabilities never import a transport.
 */

import type { CommandError } from "./errors.js";
import type { DurableWrites } from "./fields.js";
import type { ServerIdentity, Topology } from "./topology.js";

/** One argument of a Redis command. Numbers are sent as their decimal text. */
export type RedisArg = string | number;

/** A Redis command: its name followed by its arguments, e.g. `["SET", "k", "v", "PX", 1000]`. */
export type RedisCommand = readonly [string, ...RedisArg[]];

/** A Redis reply as Redis gives it: bulk/status strings, integers, nil, and nested arrays. */
export type RedisReply = string | number | null | RedisReply[];

/** One command's outcome in a pipeline or transaction, in order. */
export type CommandOutcome = { ok: true; result: RedisReply } | { ok: false; error: CommandError };

/** Options the client passes down to a transport for one call. */
export interface PortCallOptions {
  /** Fires on caller abort or timeout; the transport stops waiting and rejects. */
  signal?: AbortSignal;
  /**
   * After the call, `WAIT replicas timeoutMs` on the connection that ran it; fewer
   * acknowledgements reject with a DurabilityError. Only transports with connections of their own
   * (TCP) honour it; the client refuses it on the others.
   */
  durable?: DurableWrites | undefined;
}

/** A connection held by one caller alone, e.g. for a blocking `XREADGROUP … BLOCK`. */
export interface DedicatedConnection {
  /**
   * Runs one command on this connection. When `signal` fires before the reply, the connection is
   * dropped (a blocked command cannot be taken back) and the call rejects with the signal's reason.
   */
  command(command: RedisCommand, options?: PortCallOptions): Promise<RedisReply>;
}

export interface PortCloseOptions {
  /** Wait at most this long for the server (default: the transport's command timeout). */
  timeoutMs?: number;
}

export interface DedicatedConnectionOptions {
  /** Give up waiting for a free connection after this many ms (AcquireTimeoutError); 0: do not wait. */
  acquireTimeoutMs: number;
  /** Stop waiting for a connection when this fires. */
  signal?: AbortSignal | undefined;
  /**
   * Callers with the same share key (e.g. the stream a blocking read waits on) hold at most a
   * bounded share of the pool at once, so that one key cannot take every connection.
   */
  shareKey?: string | undefined;
}

/** What one subscription listens to: channels (SUBSCRIBE) and glob patterns (PSUBSCRIBE). */
export interface PubSubTargets {
  readonly channels: readonly string[];
  readonly patterns: readonly string[];
}

/** An event of a subscription as a transport delivers it (see `CommandPort.subscribe`). */
export type PortPubSubEvent =
  /** The server confirmed one channel or pattern; `count` is how many this stream holds now. */
  | { type: "subscribed"; kind: "channel" | "pattern"; name: string; count: number }
  /** A message published to a subscribed channel. */
  | { type: "message"; channel: string; message: string }
  /** A message published to a channel matching a subscribed pattern. */
  | { type: "pmessage"; pattern: string; channel: string; message: string };

export interface CommandPort {
  /** `rest` (Upstash REST over fetch) or `tcp` (ioredis). */
  readonly kind: "rest" | "tcp";
  /** Runs one command and returns Redis' reply; an error reply rejects with a CommandError. */
  command(command: RedisCommand, options?: PortCallOptions): Promise<RedisReply>;
  /** Runs commands in one round trip, not atomically; one outcome per command, in order. */
  pipeline(commands: readonly RedisCommand[], options?: PortCallOptions): Promise<CommandOutcome[]>;
  /**
   * Runs commands atomically (MULTI/EXEC). A command rejected while queuing aborts the whole
   * transaction (the promise rejects, nothing ran); a command failing at run time yields an
   * error outcome while the others still apply, as Redis does.
   */
  transaction(
    commands: readonly RedisCommand[],
    options?: PortCallOptions,
  ): Promise<CommandOutcome[]>;
  /**
   * Releases connections, waiting at most `timeoutMs` for the server to answer (TCP: QUIT);
   * connections that do not answer in time are dropped. Further calls reject.
   */
  close(options?: PortCloseOptions): Promise<void>;
  /** Optional (TCP): the master and replicas behind the transport right now. */
  topology?(options?: PortCallOptions): Promise<Topology>;
  /** Optional (TCP): the role and address of the server the transport talks to. */
  identify?(options?: PortCallOptions): Promise<ServerIdentity>;
  /** Whether `durable` is honoured (see PortCallOptions). */
  readonly supportsDurableWrites?: boolean;
  /**
   * Optional: runs `fn` with a connection from a bounded pool, held by `fn` alone until it
   * settles; a connection that broke (or whose command was abandoned) is discarded, not reused.
   * Only transports with their own sockets (TCP) have it: REST cannot hold a connection.
   */
  withDedicatedConnection?<T>(
    fn: (connection: DedicatedConnection) => Promise<T>,
    options: DedicatedConnectionOptions,
  ): Promise<T>;
  /**
   * Opens one subscription stream (REST: an SSE request; TCP: a subscriber connection of its
   * own): yields a `subscribed` event per target once the server confirmed it, then the messages.
   * When the stream or connection drops it throws (a ConnectionError, transient), and the client
   * decides whether to open a new one; it never reconnects by itself. It ends without error when
   * `signal` fires or the iterator is returned, closing what it opened.
   */
  subscribe?(targets: PubSubTargets, signal: AbortSignal): AsyncIterable<PortPubSubEvent>;
}
