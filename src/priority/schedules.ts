/**
 * Cron times for schedules, from croner (edge-safe, no dependencies): the scripts cannot parse
 * cron, so the client computes a schedule's next occurrence times and stores them with it; a pull
 * that finds a schedule running low says so and the client adds more (schedule.lua "extend").
 * `every` schedules need none of this: the scripts add `every` to the due time.
 */
import { Cron } from "croner";
import { ValidationError } from "../core/errors.js";
import { decodeData, PREFIX_LENGTH } from "./codec.js";
import type { JsonValue } from "./schemas.js";

/** How many upcoming times one call stores (a pull asks for more when fewer than 16 are left). */
export const CRON_TIMES_PER_CALL = 64;
/**
 * Times are computed from the client's clock minus this much, so a client whose clock runs up to
 * this far ahead of the server's still stores the server's next occurrences (the script drops
 * the times already past by the server's clock).
 */
export const CLOCK_SLACK_MS = 60_000;

/** A schedule as `schedules()` lists it. */
export interface Schedule<T = JsonValue> {
  id: string;
  data: T;
  priority: number;
  every?: number;
  cron?: string;
  tz?: string;
  /** When its occurrence in the stream is due (server ms), or null when none is there. */
  nextAt: number | null;
}

/** Checks a cron expression (and time zone) with croner; a ValidationError names the field. */
export function checkCron(cron: string, tz: string | undefined): void {
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true, ...(tz === undefined ? {} : { timezone: tz }) });
  } catch (error) {
    throw new ValidationError([{ path: "options.cron", message: messageOf(error) }]);
  }
  try {
    job.nextRun();
  } catch (error) {
    throw new ValidationError([{ path: "options.tz", message: messageOf(error) }]);
  }
}

/**
 * The times (ms) of `cron` strictly after `fromMs`, until `count` of them are after `afterMs`
 * (default `fromMs`): `afterMs` later than `fromMs` keeps the times in between for a server
 * whose clock is behind.
 */
export function cronTimes(
  cron: string,
  tz: string | undefined,
  fromMs: number,
  afterMs = fromMs,
  count = CRON_TIMES_PER_CALL,
): number[] {
  const job = new Cron(cron, { paused: true, ...(tz === undefined ? {} : { timezone: tz }) });
  const times: number[] = [];
  let cursor = new Date(fromMs);
  let ahead = 0;
  while (ahead < count) {
    const runs = job.nextRuns(count, cursor);
    if (runs.length === 0) break;
    for (const run of runs) {
      times.push(run.getTime());
      if (run.getTime() > afterMs) ahead++;
    }
    cursor = runs.at(-1)!;
  }
  return times;
}

/** A schedule from schedules.lua's reply: its id, its JSON spec, its occurrence's due time. */
export function decodeSchedule<T>(id: string, specText: string, due: string): Schedule<T> {
  const spec = JSON.parse(specText) as {
    e?: number;
    cron?: string;
    tz?: string;
    p: string;
    v: string;
  };
  const schedule: Schedule<T> = {
    id,
    data: decodeData(" ".repeat(PREFIX_LENGTH) + spec.v) as T,
    priority: Number(spec.p),
    nextAt: due === "" ? null : Number(due),
  };
  if (spec.e !== undefined) schedule.every = spec.e;
  if (spec.cron !== undefined) schedule.cron = spec.cron;
  if (spec.tz !== undefined) schedule.tz = spec.tz;
  return schedule;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
