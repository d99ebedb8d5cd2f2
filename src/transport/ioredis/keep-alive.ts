/**
 * TCP keep-alive of the TCP transport's connections (Node only). The idle time goes to ioredis
 * (`keepAlive`, applied to every socket it opens: standalone, Sentinel, every Cluster node,
 * pooled blocking connections). The probe interval and count need `socket.setKeepAlive(enable,
 * idle, interval, count)`, which Node gained after v20: older Node (libuv) fixes them at 1 s and
 * 10 probes. Asking for them there is a ConfigError naming the field, when the client is created,
 * rather than a setting silently not applied.
 */
import { Socket } from "node:net";
import type { Cluster, Redis } from "ioredis";
import type { KeepAliveConfig } from "../../config/index.js";
import { ConfigError } from "../../core/errors.js";
import { DEFAULT_KEEP_ALIVE_IDLE_MS } from "../../core/fields.js";

/** Whether this Node's `setKeepAlive` takes the interval and count (more than 2 parameters). */
function detectProbeSettings(): boolean {
  const setKeepAlive = Socket.prototype.setKeepAlive as (...args: unknown[]) => unknown;
  if (setKeepAlive.length > 2) return true;
  const source = Function.prototype.toString.call(setKeepAlive);
  const params = source.slice(source.indexOf("(") + 1, source.indexOf(")"));
  return params.split(",").filter((p) => p.trim() !== "").length > 2;
}

/** What this runtime can set. A property, so a test can see the other branch's wiring too. */
export const keepAliveSupport = { probeSettings: detectProbeSettings() };

/** The `keepAlive` option for ioredis: the idle time in ms, or `false` (off). */
export function ioredisKeepAlive(keepAlive: KeepAliveConfig | undefined): number {
  if (keepAlive === false) return false as unknown as number; // not a number: ioredis leaves it off
  return keepAlive?.idleMs ?? DEFAULT_KEEP_ALIVE_IDLE_MS;
}

/** @throws ConfigError when interval or count are asked for and this Node cannot set them. */
export function checkKeepAlive(keepAlive: KeepAliveConfig | undefined): void {
  if (!keepAlive || keepAliveSupport.probeSettings) return;
  const issues: { path: string; message: string }[] = [];
  const why = `this Node (${process.version}) cannot set it: its sockets probe every 1000 ms, 10 times (newer Node can); leave it out, or use healthCheckIntervalMs to notice a dead server sooner`;
  if (keepAlive.intervalMs !== undefined)
    issues.push({ path: "keepAlive.intervalMs", message: why });
  if (keepAlive.count !== undefined) issues.push({ path: "keepAlive.count", message: why });
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * Sets interval and count on every socket of `connection` as it connects (ioredis has set the
 * idle time by then). Nothing to do without them.
 */
export function applyKeepAliveProbes(
  connection: Redis | Cluster,
  keepAlive: KeepAliveConfig | undefined,
): void {
  if (!keepAlive || (keepAlive.intervalMs === undefined && keepAlive.count === undefined)) return;
  const { idleMs, intervalMs = 1_000, count = 10 } = keepAlive;
  const onConnect = (redis: Redis) => () => {
    const stream = redis.stream as unknown as
      | { setKeepAlive?: (...args: unknown[]) => unknown }
      | undefined;
    stream?.setKeepAlive?.(true, idleMs, intervalMs, count);
  };
  if ("nodes" in connection && typeof connection.nodes === "function") {
    (connection as Cluster).on("+node", (node: Redis) => node.on("connect", onConnect(node)));
  } else {
    const redis = connection as Redis;
    redis.on("connect", onConnect(redis));
  }
}
