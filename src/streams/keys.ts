/**
 * A stream queue's key layout, both keys in the stream's slot (the name is the hash tag):
 *
 *   st:{<name>}        the Redis Stream (messages, its consumer group and pending entries)
 *   st:{<name>}:dead   the dead letters: a Stream of messages delivered too often
 *
 * behind the client's `keyPrefix`. Names are validated (no braces), so one queue cannot reach
 * another's keys.
 */
import type { CoreClient } from "../core/client.js";

export interface StreamKeys {
  stream: string;
  deadLetters: string;
}

export function streamKeys(client: CoreClient, name: string): StreamKeys {
  const stream = client.key(`st:{${name}}`);
  return { stream, deadLetters: `${stream}:dead` };
}
