/**
 * Reading Redis replies whose shape a script or command fixes: capabilities check the shape
 * instead of trusting it, and say which operation got something else (a corrupt key, a script of
 * another version) in one kind of error.
 */
import { RedgeError } from "./errors.js";
import type { RedisReply } from "./port.js";

/** The error for a reply that does not have the shape `what` promises. */
export function unexpectedReply(what: string): RedgeError {
  return new RedgeError("command", `Unexpected reply from Redis for ${what}`);
}

/** `reply` as an array, or an error naming `what` when it is something else. */
export function replyArray(reply: RedisReply | undefined, what: string): RedisReply[] {
  if (!Array.isArray(reply)) throw unexpectedReply(what);
  return reply;
}

/** `reply` as an array of strings (each element converted), or an error naming `what`. */
export function replyStrings(reply: RedisReply | undefined, what: string): string[] {
  return replyArray(reply, what).map(String);
}

/** `base.sub` for a nested field's path in an error; `base` alone when `sub` is empty. */
export function joinPath(base: string, sub: string): string {
  return sub === "" ? base : `${base}.${sub}`;
}
