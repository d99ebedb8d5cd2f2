/**
 * Turning ioredis failures into the project's typed errors, with the two facts a caller needs
 * and ioredis does not give: whether the failed command may have reached Redis, and whether the
 * connection fails because the gateway's own credentials are wrong.
 */
import type { Cluster, Redis } from "ioredis";
import { ReplyError } from "ioredis";
import { CommandError, ConnectionError, RedgeError, TimeoutError } from "../../core/errors.js";

type Connection = Redis | Cluster;

interface ConnectionState {
  /** Number of "ready" events so far. */
  readyCount: number;
  /** The last connection error was Redis refusing the gateway's credentials. */
  authFailed: boolean;
}

const states = new WeakMap<Connection, ConnectionState>();
const AUTH_FAILURE = /^(WRONGPASS|NOAUTH)\b/;

/**
 * Follows a connection's state. `errors: false` for a connection the caller owns: adding an
 * "error" listener would silence ioredis' own reporting of its errors.
 */
export function observe(connection: Connection, options: { errors: boolean }): void {
  const state: ConnectionState = { readyCount: 0, authFailed: false };
  states.set(connection, state);
  connection.on("ready", () => {
    state.readyCount++;
    state.authFailed = false;
  });
  if (options.errors) {
    connection.on("error", (error: unknown) => {
      state.authFailed = error instanceof Error && AUTH_FAILURE.test(error.message);
    });
  }
}

export interface FailureDetails {
  timeoutMs: number;
  /** The command may have been written to Redis before the connection failed. */
  mayHaveRun: boolean;
  /** The connection fails because Redis refuses the gateway's credentials. */
  authFailed: boolean;
}

/** Maps an ioredis failure onto the project's typed errors. */
export function toRedgeError(error: unknown, details: FailureDetails): RedgeError {
  if (error instanceof RedgeError) return error;
  if (error instanceof ReplyError) return new CommandError((error as Error).message);
  if (error instanceof Error && error.message === "Command timed out") {
    return new TimeoutError(details.timeoutMs);
  }
  // ECONNREFUSED, "Connection is closed.", MaxRetriesPerRequestError, a broken stream: all mean
  // Redis is not reachable now. The original error stays as `cause`, out of every reply.
  if (!details.mayHaveRun) {
    const message = details.authFailed
      ? "UNAVAILABLE the gateway cannot authenticate to Redis; check its Redis URL"
      : "UNAVAILABLE Redis is unreachable";
    return new ConnectionError(message, { cause: error, sent: false });
  }
  return new ConnectionError(
    "CONNLOST the connection to Redis was lost; the command may have run",
    {
      cause: error,
      sent: true,
    },
  );
}

/**
 * Taken when a command is issued on `connection`; given the error if it fails, returns the typed
 * error to report. ioredis writes a command at once on a ready connection, and otherwise keeps it
 * in its offline queue until the connection becomes ready: so the command certainly was not
 * written if the connection was not ready then and has not become ready since.
 */
export function failureTracker(
  connection: Connection,
  timeoutMs: number,
): (error: unknown) => RedgeError {
  const state = states.get(connection);
  const wasReady = connection.status === "ready";
  const readyCount = state?.readyCount;
  return (error) =>
    toRedgeError(error, {
      timeoutMs,
      mayHaveRun: wasReady || state?.readyCount !== readyCount,
      authFailed: state?.authFailed ?? false,
    });
}
