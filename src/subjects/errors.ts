/**
 * Errors of the subjects capability, in the redge error family.
 */
import { RedgeError } from "../core/errors.js";

function describe(prop: string, extended: boolean): string {
  return `${extended ? "Extended property" : "Property"} "${prop}"`;
}

/**
 * A read-modify-write (`set(prop, fn)`) kept losing the race until its deadline (or its
 * `attempts` limit): other writers kept changing the property between the read and the
 * compare-and-set. The failed call wrote nothing; the caller may try again later.
 */
export class ConflictError extends RedgeError {
  readonly subject: string;
  readonly prop: string;
  readonly extended: boolean;
  /** Compare-and-set rounds tried (0: the deadline passed while waiting for a turn). */
  readonly attempts: number;
  /** How long the call tried, in ms. */
  readonly elapsedMs: number;
  constructor(subject: string, prop: string, extended: boolean, attempts: number, elapsedMs = 0) {
    // An HTTP layer maps code "conflict" to 409.
    super(
      "conflict",
      `${describe(prop, extended)} of subject "${subject}" kept changing: gave up after ${attempts} attempt(s) in ${elapsedMs} ms`,
    );
    this.name = "ConflictError";
    this.subject = subject;
    this.prop = prop;
    this.extended = extended;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * A stored property could not be used: its text is not JSON, or `incr` found something other
 * than a number there. The failed call wrote nothing, except a plain-value `set`, which writes
 * and reads the replaced value in one step (the message says so).
 */
export class SubjectValueError extends RedgeError {
  readonly subject: string;
  readonly prop: string;
  readonly extended: boolean;
  constructor(
    subject: string,
    prop: string,
    extended: boolean,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super("validation", `${describe(prop, extended)} of subject "${subject}" ${reason}`, options);
    this.name = "SubjectValueError";
    this.subject = subject;
    this.prop = prop;
    this.extended = extended;
  }
}
