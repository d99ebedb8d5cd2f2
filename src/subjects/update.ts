/**
 * `set(prop, fn)`: an atomic read-modify-write that needs no WATCH, so it works over REST too.
 *
 * The function runs here, on the value read; a Lua compare-and-set (cas.lua) writes its result
 * only if the property still holds the text that was read. A lost race answers with the newer
 * text, and the function runs again on it. As in KRules, which retries WATCH/MULTI/EXEC until it
 * wins, contention alone never fails a call: rounds go on, with jittered exponential pauses,
 * until the call's deadline (then a ConflictError, nothing written).
 *
 * Calls on one client for the same property take turns. They would only race each other: of N
 * concurrent rounds one wins and N − 1 are wasted, so N callers in one process cost about N²/2
 * round trips. Taking turns costs one round trip each; the previous turn's written text stands in
 * for the read (if another process wrote since, the compare-and-set says so and hands over the
 * newer text). Races are then only with other processes.
 */
import type { CoreClient } from "../core/client.js";
import { AbortedError } from "../core/errors.js";
import type { RedisReply } from "../core/port.js";
import { sleep } from "../core/retry.js";
import { casScript } from "./lua.gen.js";

/** First pause after a lost round, in ms; each further loss doubles the bound. */
const FIRST_PAUSE_MS = 1;
/** Pauses never grow beyond this, so a caller who keeps losing still comes back often. */
const MAX_PAUSE_MS = 64;

export interface Update<T> {
  client: CoreClient;
  key: string;
  field: string;
  fn: (old: T | undefined) => T | Promise<T>;
  /** Reads a stored text (throws a SubjectValueError for text that is not JSON). */
  decode: (text: string) => T;
  /** Encodes the function's result (throws a ValidationError for what JSON cannot hold). */
  encode: (value: T) => string;
  /** When the call gives up, as a `performance.now()` time: no round starts after it. */
  deadline: number;
  /** The call's timeout: the most one command may take. */
  budgetMs: number;
  signal: AbortSignal | undefined;
  /** Most rounds, or Infinity. */
  attempts: number;
}

export type UpdateOutcome<T> =
  | { ok: true; value: T; old: T | undefined; rounds: number }
  | { ok: false; rounds: number };

/** A property's turn queue: the tail to wait for, and the text the last turn wrote. */
interface Turns {
  tail: Promise<void>;
  /** What the previous turn wrote, or undefined when unknown (read it). */
  known: { text: string | null } | undefined;
}

const turnsByClient = new WeakMap<CoreClient, Map<string, Turns>>();

export async function update<T>(u: Update<T>): Promise<UpdateOutcome<T>> {
  let perClient = turnsByClient.get(u.client);
  if (!perClient) {
    perClient = new Map();
    turnsByClient.set(u.client, perClient);
  }
  const id = `${u.key}\u0000${u.field}`;
  const turns = perClient.get(id) ?? { tail: Promise.resolve(), known: undefined };
  perClient.set(id, turns);
  const previous = turns.tail;
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The next caller waits for the previous one and for this one, in that order, even if this
  // one gives up while still waiting.
  const tail = previous.then(() => mine);
  turns.tail = tail;
  try {
    const turn = await waitForTurn(previous, u.deadline, u.signal);
    if (!turn) return { ok: false, rounds: 0 };
    const outcome = await rounds(u, turns.known);
    turns.known = outcome.ok ? { text: outcome.written } : undefined;
    return outcome.ok
      ? { ok: true, value: outcome.value, old: outcome.old, rounds: outcome.rounds }
      : outcome;
  } catch (error) {
    turns.known = undefined;
    throw error;
  } finally {
    release();
    if (turns.tail === tail) perClient.delete(id);
  }
}

async function rounds<T>(
  u: Update<T>,
  known: { text: string | null } | undefined,
): Promise<
  | { ok: true; value: T; old: T | undefined; written: string; rounds: number }
  | { ok: false; rounds: number }
> {
  let read: string | null;
  if (known) read = known.text;
  else {
    const raw = await u.client.command(["HGET", u.key, u.field], callOptions(u));
    read = raw === null ? null : String(raw);
  }
  for (let round = 1; ; round++) {
    const old = read === null ? undefined : u.decode(read);
    const next = await u.fn(old);
    const text = u.encode(next);
    if (u.signal?.aborted) throw new AbortedError(u.signal.reason);
    // Not idempotent: after a timeout the compare-and-set may have run, and a blind repeat would
    // see its own write as a conflict and apply the function twice.
    const reply: RedisReply = await u.client.runScript(
      casScript,
      [u.key],
      [u.field, read === null ? "0" : "1", read ?? "", text],
      { ...callOptions(u), idempotent: false },
    );
    const [written, current] = Array.isArray(reply) ? reply : [];
    if (written === 1) return { ok: true, value: next, old, written: text, rounds: round };
    read = current == null ? null : String(current);
    if (round >= u.attempts) return { ok: false, rounds: round };
    const left = u.deadline - performance.now();
    if (left <= 0) return { ok: false, rounds: round };
    // Full jitter: racing writers spread out instead of colliding again in step.
    const bound = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (round - 1));
    await sleep(Math.min(Math.random() * bound, left), u.signal);
    if (performance.now() >= u.deadline) return { ok: false, rounds: round };
  }
}

/**
 * Each command gets the call's whole time budget (at most the client's own timeout), not what is
 * left of it: the deadline decides whether another round starts, and a round started just before
 * it must not fail with a TimeoutError (after which its compare-and-set may still have run) only
 * because little time was left. A call can thus overrun its deadline by one round trip.
 */
function callOptions(u: Pick<Update<unknown>, "client" | "budgetMs" | "signal">): {
  timeoutMs: number;
  signal?: AbortSignal;
} {
  const timeoutMs = Math.min(u.budgetMs, u.client.commandTimeoutMs);
  return u.signal ? { timeoutMs, signal: u.signal } : { timeoutMs };
}

/** Resolves true once `previous` is done, false if the deadline passes first. */
function waitForTurn(
  previous: Promise<void>,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(false);
      },
      Math.max(0, deadline - performance.now()),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    previous.then(() => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    });
  });
}
