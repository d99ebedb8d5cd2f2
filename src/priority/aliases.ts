/**
 * The seed's names (good-redis' prioritized stream), for people coming from Python: the stream's
 * name first, then the method's arguments. They follow the seed's defaults, which is where they
 * differ from the native methods:
 * - `pspull` peeks unless `purge: true` (the native `pull` purges by default): a one-to-one port
 *   of the seed's `pspull(name, count=5)` example must not consume items;
 * - `psaddmany` also takes the seed's `(id, data, priority)` tuples.
 */
import type { CoreClient } from "../core/client.js";
import type { PriorityItem } from "./codec.js";
import type {
  AddOptions,
  DeleteBelowOptions,
  ExpiredOptions,
  JsonValue,
  PullOptions,
} from "./schemas.js";
import { type AddManyItem, type AddManyResult, type AddResult, PriorityStream } from "./stream.js";

/** One item of `psaddmany`: the native `{ id, data, priority }`, or the seed's tuple. */
export type SeedAddManyItem<T = JsonValue> =
  | AddManyItem<T>
  | readonly [id: string, data: T, priority: number];

/** `stream.add(id, data, priority, options)`. */
export async function psadd<T = JsonValue>(
  client: CoreClient,
  name: string,
  id: string,
  data: T,
  priority: number,
  options?: AddOptions,
): Promise<AddResult> {
  return new PriorityStream<T>(client, name).add(id, data, priority, options);
}

/**
 * `stream.addMany(items, options)`; an item may also be the seed's `[id, data, priority]` tuple.
 * Anything else is left for `addMany`'s validation to reject, naming `items.<n>`.
 */
export async function psaddmany<T = JsonValue>(
  client: CoreClient,
  name: string,
  items: readonly SeedAddManyItem<T>[],
  options?: AddOptions,
): Promise<AddManyResult> {
  const list = Array.isArray(items) ? items.map((item) => fromTuple<T>(item)) : (items as never);
  return new PriorityStream<T>(client, name).addMany(list, options);
}

function fromTuple<T>(item: SeedAddManyItem<T>): AddManyItem<T> {
  if (!Array.isArray(item) || item.length !== 3) return item as AddManyItem<T>;
  const [id, data, priority] = item as readonly [string, T, number];
  return { id, data, priority };
}

/**
 * The seed's `pspull(name, count=, purge=False, gate=False)`: a **peek** unless `purge: true`
 * (or a `leaseMs`). The seed documents no default count (its examples pass one); without one,
 * this takes `pull`'s default of 1. The native `stream.pull()` purges by default instead.
 */
export async function pspull<T = JsonValue>(
  client: CoreClient,
  name: string,
  options?: PullOptions,
): Promise<PriorityItem<T>[]> {
  return new PriorityStream<T>(client, name).pull(seedPullOptions(options));
}

/** The seed's default (`purge` false) filled in; input that is not an object is left to `pull`. */
export function seedPullOptions(options: PullOptions | undefined): PullOptions | undefined {
  if (options === undefined) return { purge: false };
  if (typeof options !== "object" || options === null || Array.isArray(options)) return options;
  return options.purge === undefined ? { ...options, purge: false } : options;
}

/** `stream.increment(id, delta)`. */
export async function psincrement(
  client: CoreClient,
  name: string,
  id: string,
  delta: number,
): Promise<number | null> {
  return new PriorityStream(client, name).increment(id, delta);
}

/** `stream.decrementAll(delta)`. */
export async function psdecrementAll(
  client: CoreClient,
  name: string,
  delta: number,
): Promise<void> {
  return new PriorityStream(client, name).decrementAll(delta);
}

/** The seed's spelling of `psdecrementAll`. */
export const psdecrement_all = psdecrementAll;

/** `stream.deleteBelow(threshold, options)`: strictly below, as the seed's `priority < threshold`. */
export async function psdeletebelowthreshold(
  client: CoreClient,
  name: string,
  threshold: number,
  options?: DeleteBelowOptions,
): Promise<string[]> {
  return new PriorityStream(client, name).deleteBelow(threshold, options);
}

/** `stream.expired(options)`: lists without removing unless `purge: true`, as the seed. */
export async function psexpired<T = JsonValue>(
  client: CoreClient,
  name: string,
  options: ExpiredOptions,
): Promise<PriorityItem<T>[]> {
  return new PriorityStream<T>(client, name).expired(options);
}
