/**
 * The command port: the one small interface every capability is built on. A transport (REST over
 * fetch, TCP over ioredis) implements it; capabilities never import a transport.
 */
import type { CommandError } from "./errors.js";

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
}

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
  /** Releases connections. Further calls reject. */
  close(): Promise<void>;
}
