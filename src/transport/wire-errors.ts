/**
 * The words the redge gateway puts first in the messages it writes itself, so a client that only
 * sees the text (the official client reports `<error>, command was: …`) can still tell what
 * happened. The gateway writes them (gateway/failures.ts); the REST transport reads them back
 * into typed errors (rest.ts). Edge-safe.
 *
 * - `UNAVAILABLE`: Redis unreachable or the gateway shutting down; the command certainly did not
 *   run, so even a non-idempotent one may be repeated;
 * - `CONNLOST`: the connection broke after the command may have been written: it may have run;
 * - `TIMEOUT`: no reply within the gateway's command timeout; it may have run.
 */
export type WireFault = "UNAVAILABLE" | "CONNLOST" | "TIMEOUT";

const WIRE_FAULT = /^(UNAVAILABLE|CONNLOST|TIMEOUT)\b/;

/** `message` led by the word for `fault` (unless it already starts with one). */
export function wireMessage(fault: WireFault, message: string): string {
  return WIRE_FAULT.test(message) ? message : `${fault} ${message}`;
}

/** The fault word a gateway message starts with, if any. */
export function wireFault(message: string): WireFault | undefined {
  return WIRE_FAULT.exec(message)?.[1] as WireFault | undefined;
}
