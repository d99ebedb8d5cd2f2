/**
 * The seed's names (good-redis' prioritized stream), for people coming from Python: the stream's
 * name first, then the same arguments as the method. The lead attaches them to the client.
 */
import type { RedgeClient } from "../client.js";
import type { PriorityItem } from "./codec.js";
import type {
  AddOptions,
  DeleteBelowOptions,
  ExpiredOptions,
  JsonValue,
  PullOptions,
} from "./schemas.js";
import { type AddManyItem, type AddManyResult, type AddResult, PriorityStream } from "./stream.js";

/** `stream.add(id, data, priority, options)`. */
export async function psadd<T = JsonValue>(
  client: RedgeClient,
  name: string,
  id: string,
  data: T,
  priority: number,
  options?: AddOptions,
): Promise<AddResult> {
  return new PriorityStream<T>(client, name).add(id, data, priority, options);
}

/** `stream.addMany(items, options)`. */
export async function psaddmany<T = JsonValue>(
  client: RedgeClient,
  name: string,
  items: readonly AddManyItem<T>[],
  options?: AddOptions,
): Promise<AddManyResult> {
  return new PriorityStream<T>(client, name).addMany(items, options);
}

/** `stream.pull(options)`. */
export async function pspull<T = JsonValue>(
  client: RedgeClient,
  name: string,
  options?: PullOptions,
): Promise<PriorityItem<T>[]> {
  return new PriorityStream<T>(client, name).pull(options);
}

/** `stream.increment(id, delta)`. */
export async function psincrement(
  client: RedgeClient,
  name: string,
  id: string,
  delta: number,
): Promise<number | null> {
  return new PriorityStream(client, name).increment(id, delta);
}

/** `stream.decrementAll(delta)`. */
export async function psdecrementAll(
  client: RedgeClient,
  name: string,
  delta: number,
): Promise<void> {
  return new PriorityStream(client, name).decrementAll(delta);
}

/** The seed's spelling of `psdecrementAll`. */
export const psdecrement_all = psdecrementAll;

/** `stream.deleteBelow(threshold, options)`. */
export async function psdeletebelowthreshold(
  client: RedgeClient,
  name: string,
  threshold: number,
  options?: DeleteBelowOptions,
): Promise<string[]> {
  return new PriorityStream(client, name).deleteBelow(threshold, options);
}

/** `stream.expired(options)`. */
export async function psexpired<T = JsonValue>(
  client: RedgeClient,
  name: string,
  options: ExpiredOptions,
): Promise<PriorityItem<T>[]> {
  return new PriorityStream<T>(client, name).expired(options);
}
