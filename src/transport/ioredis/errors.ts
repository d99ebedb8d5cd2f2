/**
 * Turning ioredis failures into the project's typed errors (the one mapper of the TCP transport
 * and the gateway), with the two facts a caller needs and ioredis does not give: whether the
 * failed command may have reached Redis, and whether the connection fails because its own
 * credentials are wrong.
 */
import type { Cluster, Redis } from "ioredis";
import { ReplyError } from "ioredis";
import { CommandError, ConnectionError, RedgeError, TimeoutError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";

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
  /** The command's name, kept on a CommandError (never its arguments). */
  command?: string | undefined;
  /** The deadline that ran out, for a TimeoutError's message. */
  timeoutMs?: number | undefined;
  /** The command may have been written to Redis before the connection failed. */
  mayHaveRun: boolean;
  /** The connection fails because Redis refuses the credentials. */
  authFailed?: boolean | undefined;
}

/** Error replies ioredis hands over as plain errors (not ReplyError), e.g. from a Cluster. */
const REPLY_PREFIX =
  /^(ERR|WRONGTYPE|NOSCRIPT|EXECABORT|LOADING|READONLY|BUSY|NOPERM|OOM|MOVED|ASK|TRYAGAIN|CLUSTERDOWN|MASTERDOWN)\b/;

/**
 * Maps an ioredis failure onto the project's typed errors, for the TCP transport and the gateway
 * alike: Redis' error replies become a CommandError (EXECABORT with the refused command's own
 * reply appended), a command timeout a TimeoutError, and everything that means "Redis did not
 * answer" a ConnectionError whose `sent` says whether the command may have run. Messages are
 * redacted; the original error stays as `cause`, out of every reply.
 */
export function toRedgeError(error: unknown, details: FailureDetails): RedgeError {
  if (error instanceof RedgeError) return error;
  const err = error as { name?: string; message?: string; code?: string } | undefined;
  const message = redact(err?.message ?? String(error));
  const command = details.command === undefined ? undefined : { command: details.command };
  if (error instanceof ReplyError || err?.name === "ReplyError") {
    // EXECABORT alone does not say what was wrong; Redis' reply to the refused command does
    // (OOM, a wrong arity...). Only its message is kept: the error object also holds arguments.
    const first = (error as { previousErrors?: { message?: string }[] }).previousErrors?.[0];
    const cause = first?.message ? ` First error: ${redact(first.message)}` : "";
    return new CommandError(`${message}${cause}`, command);
  }
  if (message === "Command timed out") {
    return details.timeoutMs
      ? new TimeoutError(details.timeoutMs)
      : new TimeoutError(0, { message });
  }
  // ioredis' own check on a Cluster, before anything is sent: keys in different hash slots.
  if (
    message.startsWith("All the keys in a pipeline") ||
    message.startsWith("All keys in the pipeline")
  ) {
    return new CommandError(
      "CROSSSLOT Keys in request don't hash to the same slot (give them one hash tag: {tag})",
      command,
    );
  }
  if (REPLY_PREFIX.test(message)) return new CommandError(message, command);
  // Refused before anything was written: no writable stream. (MaxRetriesPerRequestError is not
  // such proof: ioredis also fails commands already written with it when their connection
  // closes, so whether it may have run is the tracker's call.)
  const neverSent = message.startsWith("Stream isn't writeable");
  if (neverSent || !details.mayHaveRun) {
    const why = details.authFailed
      ? "Redis cannot authenticate the connection (it refuses the credentials); check the Redis URL or password"
      : `Redis is unreachable${err?.code ? ` (${err.code})` : ""}`;
    return new ConnectionError(why, { cause: error, sent: false });
  }
  return new ConnectionError("The connection to Redis was lost; the command may have run", {
    cause: error,
    sent: true,
  });
}

/**
 * Taken when a command is issued on `connection`; given the error if it fails, returns the typed
 * error to report. ioredis writes a command at once on a ready connection, and otherwise keeps it
 * in its offline queue until the connection becomes ready: so the command certainly was not
 * written if the connection was not ready then and has not become ready since.
 */
export function failureTracker(
  connection: Connection,
  timeoutMs?: number,
  command?: string,
): (error: unknown) => RedgeError {
  const state = states.get(connection);
  const wasReady = connection.status === "ready";
  const readyCount = state?.readyCount;
  return (error) =>
    toRedgeError(error, {
      command,
      timeoutMs,
      mayHaveRun: wasReady || state?.readyCount !== readyCount,
      authFailed: state?.authFailed ?? false,
    });
}
