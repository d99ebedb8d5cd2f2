/**
 * The gateway's side of Redis: one shared ioredis connection for single commands and pipelines,
 * a small pool of dedicated connections for MULTI/EXEC, and one subscriber connection, opened on
 * the first SSE subscription, that every SSE client shares (pubsub/hub.ts).
 *
 * Replies are read as Buffers (`callBuffer`) so binary values survive. Failures come out as the
 * project's typed errors: `CommandError` for Redis' error replies, `TimeoutError` and
 * `ConnectionError` for everything that means "Redis did not answer".
 */
import { Cluster, Redis } from "ioredis";
import { CommandError, TimeoutError } from "../core/errors.js";
import { redact } from "../core/redact.js";
import {
  closeConnection,
  dropConnection,
  gatewayRedisOptions,
} from "../transport/ioredis/connect.js";
import { failureTracker, observe } from "../transport/ioredis/errors.js";
import { probeConnection, startHealthCheck } from "../transport/ioredis/health.js";
import { ResourcePool } from "../transport/pool.js";
import { createBatcher } from "./batch.js";
import type { RedisSource } from "./options.js";
import { createScriptBudget, type Kill } from "./script-budget.js";
import {
  connectGatewayRedis,
  type GatewayConnection,
  isTopologySource,
  parseGatewayRedis,
} from "./topology.js";

/** One command's outcome in a pipeline or transaction. */
export type Outcome = { ok: true; reply: unknown } | { ok: false; error: CommandError };

/** Per request: the request runs a script the gateway does not know, stopped after its budget. */
export interface RunOptions {
  kill?: Kill | undefined;
}

type Send = (command: string[]) => Promise<unknown>;

/** An argument as sent: text, or bytes (a path-style command's body). */
export type Argument = string | Buffer;

export interface RedisBackend {
  /** Runs one command; rejects with CommandError, TimeoutError or ConnectionError. */
  command(command: readonly Argument[], options?: RunOptions): Promise<unknown>;
  /** One round trip, not atomic. Rejects (nothing is reported per command) on a connection fault. */
  pipeline(commands: readonly (readonly Argument[])[], options?: RunOptions): Promise<Outcome[]>;
  /** MULTI/EXEC on a dedicated connection; EXECABORT rejects with a CommandError. */
  transaction(commands: readonly (readonly Argument[])[], options?: RunOptions): Promise<Outcome[]>;
  /** The gateway's own command (COMMAND, ACL DRYRUN), text replies, never batched. */
  call: Send;
  /** One sender per master, for checks that must hold on each (ACL users are per node). */
  masters(): Promise<Send[]>;
  /**
   * The connection in subscriber mode, opened on first use with the gateway's settings (it
   * follows Sentinel failovers like the others; ioredis subscribes again after a reconnection).
   */
  subscriber(): Connection;
  close(timeoutMs: number): Promise<void>;
}

export interface BackendSettings {
  commandTimeoutMs: number;
  /** Periodic probe of the connections the gateway opened (transport/ioredis/health.ts); 0 = off. */
  healthCheckIntervalMs?: number;
  transactionConnections: number;
  /** Budget of scripts the gateway does not know (see script-budget.ts). */
  scriptTimeoutMs: number;
  /**
   * The gateway's Redis user may lack INFO (`allowScripts` users are barred from @dangerous), so
   * ioredis' INFO-based ready check is off then; LOADING replies still come back as 503s.
   */
  readyCheck: boolean;
  log?: ((line: string) => void) | undefined;
}

/** Upper case: ioredis rewrites some replies by lower-case command name (HGETALL into an object). */
function split(command: readonly Argument[]): [string, Argument[]] {
  return [String(command[0]!).toUpperCase(), command.slice(1)];
}

/** Rejects with a TimeoutError if `promise` takes longer than `ms` (for connections we do not own). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export type Connection = Redis | Cluster;

/** Logs connection errors without flooding: once per distinct message, or every 30 s. */
function watch(connection: Connection, role: string, log?: (line: string) => void): void {
  let last = "";
  let lastAt = 0;
  let failing = false;
  connection.on("error", (error: unknown) => {
    failing = true;
    const message = redact(error instanceof Error ? error.message : String(error));
    const now = Date.now();
    if (message === last && now - lastAt < 30_000) return;
    last = message;
    lastAt = now;
    log?.(`redge gateway: Redis ${role} connection error: ${message}`);
  });
  connection.on("ready", () => {
    if (!failing) return;
    failing = false;
    last = "";
    log?.(`redge gateway: Redis ${role} connection restored`);
  });
}

export function createRedisBackend(source: RedisSource, settings: BackendSettings): RedisBackend {
  const { commandTimeoutMs, log } = settings;
  const profile = { kind: "gateway" as const, commandTimeoutMs, readyCheck: settings.readyCheck };
  const safe = gatewayRedisOptions(profile);
  const owned = !(source instanceof Redis || source instanceof Cluster);
  const { connection: main, follower }: GatewayConnection =
    source instanceof Redis || source instanceof Cluster
      ? { connection: source }
      : typeof source === "string" || isTopologySource(source)
        ? connectGatewayRedis(parseGatewayRedis(source), profile, log)
        : { connection: new Redis({ ...safe, ...source }) };
  if (owned) watch(main, "shared", log);
  observe(main, { errors: owned });
  // A connection the caller owns keeps its own settings; a deadline still bounds each request.
  const guard = <T>(promise: Promise<T>) =>
    owned ? promise : withDeadline(promise, commandTimeoutMs + 1_000);

  // Transaction connections opened before the health check dropped the shared one may point at
  // the same hung (or replaced) server: they are not reused.
  let generation = 0;
  const generations = new WeakMap<Connection, number>();
  const pool = new ResourcePool<Connection>({
    max: settings.transactionConnections,
    label: "transaction connection",
    create: async () => {
      // A Cluster keeps the caller's settings; a standalone duplicate gets the fail-fast ones.
      const connection = main instanceof Cluster ? main.duplicate() : main.duplicate(safe);
      // A duplicate keeps the follower's routing (its options); it is dropped with the shared one.
      if (connection instanceof Redis) follower?.attach(connection, "master");
      watch(connection, "transaction", log);
      observe(connection, { errors: true });
      generations.set(connection, generation);
      return connection;
    },
    destroy: (connection) => closeConnection(connection, 1_000),
    isUsable: (connection) =>
      connection.status !== "end" && generations.get(connection) === generation,
  });

  const interval = settings.healthCheckIntervalMs ?? 0;
  const stopHealthCheck =
    owned && interval > 0
      ? startHealthCheck({
          intervalMs: interval,
          timeoutMs: Math.min(commandTimeoutMs, interval),
          state: () => {
            const status = main.status;
            return status === "ready" ? "ready" : status === "connect" ? "pending" : "other";
          },
          probe: () => probeConnection(main, Boolean((main as Redis).options?.sentinels)),
          reconnect: () => {
            generation++;
            dropConnection(main);
          },
          onReport: (report) => {
            if (!report.ok) log?.(`redge gateway: Redis health check failed: ${report.error}`);
          },
        })
      : undefined;

  function outcomes(
    results: [Error | null, unknown][],
    failure: (error: unknown) => Error,
  ): Outcome[] {
    return results.map(([error, reply]) => {
      if (!error) return { ok: true, reply };
      const mapped = failure(error);
      // A connection fault anywhere fails the whole request: the caller cannot tell what ran.
      if (!(mapped instanceof CommandError)) throw mapped;
      return { ok: false, error: mapped };
    });
  }

  const send = createBatcher(main);

  let subscriber: Connection | undefined;
  const openSubscriber = (): Connection => {
    if (subscriber) return subscriber;
    const connection =
      main instanceof Cluster
        ? main.duplicate()
        : main.duplicate({ ...safe, connectionName: "redge-gateway-subscriber" });
    if (connection instanceof Redis) follower?.attach(connection, "master");
    watch(connection, "subscriber", log);
    observe(connection, { errors: true });
    subscriber = connection;
    return connection;
  };

  // Connections for SCRIPT KILL: one per master, opened the first time a budget runs out.
  let controls: Connection[] | undefined;
  const budget = createScriptBudget({
    budgetMs: settings.scriptTimeoutMs,
    log,
    controls: () => {
      controls ??=
        main instanceof Cluster
          ? main.nodes("master").map((node) => node.duplicate())
          : [main.duplicate(safe)];
      return controls.map((c) => (command: string[]) => c.call(command[0]!, ...command.slice(1)));
    },
  });

  /** Runs `work` under the script budget when the request runs unknown code. */
  async function budgeted<T>(
    kill: Kill | undefined,
    work: () => Promise<T>,
    explain: (value: T) => T = (value) => value,
  ): Promise<T> {
    if (!kill) return work();
    const watch = budget.start(kill);
    let value: T;
    try {
      value = await work();
    } catch (error) {
      // Keep the watch armed on a timeout or a broken connection: the script may still run.
      if (!(error instanceof CommandError)) throw error;
      throw watch.settle() ? budget.explain(error, kill) : error;
    }
    return watch.settle() ? explain(value) : value;
  }
  const explainOutcomes = (kill: Kill | undefined) => (list: Outcome[]) =>
    list.map((o): Outcome => (o.ok ? o : { ok: false, error: budget.explain(o.error, kill!) }));

  const textCall =
    (connection: Connection): Send =>
    async (command) => {
      const failure = failureTracker(connection, commandTimeoutMs);
      try {
        return await guard(connection.call(command[0]!, ...command.slice(1)));
      } catch (error) {
        throw failure(error);
      }
    };

  const backend: RedisBackend = {
    call: textCall(main),

    async masters() {
      if (!(main instanceof Cluster)) return [textCall(main)];
      return main.nodes("master").map((node) => textCall(node));
    },

    subscriber: openSubscriber,

    async command(command, options) {
      const [name, args] = split(command);
      const failure = failureTracker(main, commandTimeoutMs);
      return budgeted(options?.kill, async () => {
        try {
          return await guard(send(name, args));
        } catch (error) {
          throw failure(error);
        }
      });
    },

    pipeline: (commands, options) =>
      budgeted(options?.kill, () => runPipeline(commands), explainOutcomes(options?.kill)),

    transaction: (commands, options) =>
      budgeted(options?.kill, () => runTransaction(commands), explainOutcomes(options?.kill)),

    async close(timeoutMs) {
      stopHealthCheck?.();
      follower?.close();
      await Promise.all([
        pool.close(),
        owned ? closeConnection(main, timeoutMs) : Promise.resolve(),
        ...(controls ?? []).map((c) => closeConnection(c, Math.min(timeoutMs, 1_000))),
        subscriber ? closeConnection(subscriber, Math.min(timeoutMs, 1_000)) : Promise.resolve(),
      ]);
    },
  };

  async function runPipeline(commands: readonly (readonly Argument[])[]): Promise<Outcome[]> {
    const pipeline = main.pipeline();
    for (const command of commands) {
      const [name, args] = split(command);
      pipeline.callBuffer(name, ...args);
    }
    const failure = failureTracker(main, commandTimeoutMs);
    let results: [Error | null, unknown][] | null;
    try {
      results = await guard(pipeline.exec());
    } catch (error) {
      throw failure(error);
    }
    return outcomes(results ?? [], failure);
  }

  function runTransaction(commands: readonly (readonly Argument[])[]): Promise<Outcome[]> {
    return pool.use(
      async (connection) => {
        const multi = connection.multi();
        for (const command of commands) {
          const [name, args] = split(command);
          multi.callBuffer(name, ...args);
        }
        const failure = failureTracker(connection, commandTimeoutMs);
        let results: [Error | null, unknown][] | null;
        try {
          results = await guard(multi.exec());
        } catch (error) {
          const mapped = failure(error);
          const first = (error as { previousErrors?: unknown[] }).previousErrors?.[0];
          if (mapped instanceof CommandError && first instanceof Error) {
            // EXECABORT alone does not say what was wrong; Redis' reply to the rejected command
            // does. Only its message is kept: the error object also holds the arguments.
            throw new CommandError(`${mapped.message} First error: ${first.message}`);
          }
          throw mapped;
        }
        // EXEC answers nil only when a WATCHed key changed; WATCH is never let through.
        if (results === null) throw new CommandError("EXECABORT the transaction was aborted");
        return outcomes(results, failure);
      },
      { acquireTimeoutMs: commandTimeoutMs },
    );
  }

  return backend;
}
