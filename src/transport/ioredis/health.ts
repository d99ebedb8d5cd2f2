/**
 * The TCP transport's periodic health check: every `healthCheckIntervalMs`, one probe on the shared
 * connection. A probe that fails or does not answer in time means the link is dead or the server
 * hung (a SIGSTOPped or overloaded server keeps its socket open, so nothing else notices): the
 * connection is dropped, which fails the commands waiting on it at once, and ioredis reconnects —
 * through the Sentinels, so a master that was replaced is left behind. With Sentinel the probe is
 * `ROLE`: a master demoted to replica (it came back after a failover) is left too.
 */

import { Cluster, type Redis } from "ioredis";
import { redact } from "../../core/redact.js";
import type { ServerAddress, ServerRole } from "../../core/topology.js";
import { clusterProbeNode, peerOf, roleOf } from "./topology.js";

/**
 * One health probe, for the TCP transport and the gateway alike: ROLE answers like PING and also
 * says whether a Sentinel-resolved master still is one (`expectMaster`: a demoted master fails
 * the probe, so the connection is dropped and re-resolved). A Cluster is left to ioredis (it
 * refreshes its slots on errors): PING one connected node.
 */
export async function probeConnection(
  connection: Redis | Cluster,
  expectMaster: boolean,
): Promise<{ role?: ServerRole; address?: ServerAddress | null }> {
  if (connection instanceof Cluster) {
    const node = clusterProbeNode(connection);
    await (node ? node.call("PING") : connection.call("PING"));
    return {};
  }
  const role = roleOf(await connection.call("ROLE"));
  if (expectMaster && role !== "master") {
    throw new Error(`the server Sentinel named as master answers as ${role}`);
  }
  return { role, address: peerOf(connection) };
}

export interface HealthCheckReport {
  ok: boolean;
  /** Round trip of the probe in ms (up to the timeout when it failed). */
  latencyMs: number;
  /** Why it failed, credentials scrubbed. */
  error?: string;
  role?: ServerRole;
  address?: ServerAddress;
  /** The check dropped the connection so ioredis reconnects. */
  reconnected: boolean;
}

export interface HealthCheckOptions {
  intervalMs: number;
  /** How long one probe may take before the link counts as hung. */
  timeoutMs: number;
  /** Runs the probe; resolves with what it learnt, rejects when the server is not usable. */
  probe(): Promise<{ role?: ServerRole; address?: ServerAddress | null }>;
  /**
   * `ready`: probe. `pending`: connected but the ready check has not answered (a hung server
   * accepts connections in its kernel backlog and never answers): dropped when it stays so for a
   * whole interval. `other`: ioredis is reconnecting already; nothing to do.
   */
  state(): "ready" | "pending" | "other";
  /** Drops the connection so ioredis reconnects. */
  reconnect(): void;
  /** Told about every probe. */
  onReport?: ((report: HealthCheckReport) => void) | undefined;
}

/** Starts the timer; returns a function that stops it. Never keeps the process alive. */
export function startHealthCheck(options: HealthCheckOptions): () => void {
  let running = false;
  const report = (r: HealthCheckReport) => {
    try {
      options.onReport?.(r);
    } catch {
      // A listener's bug must not stop the checks.
    }
  };
  let pendingTicks = 0;
  const timer = setInterval(async () => {
    const state = options.state();
    pendingTicks = state === "pending" ? pendingTicks + 1 : 0;
    if (pendingTicks >= 2) {
      pendingTicks = 0;
      options.reconnect();
      report({
        ok: false,
        latencyMs: options.intervalMs,
        error: "connected, but the server did not answer the ready check for a whole interval",
        reconnected: true,
      });
      return;
    }
    if (running || state !== "ready") return;
    running = true;
    const started = performance.now();
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = await Promise.race([
        options.probe(),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`no answer within ${options.timeoutMs} ms`)),
            options.timeoutMs,
          );
        }),
      ]);
      report({
        ok: true,
        latencyMs: performance.now() - started,
        ...(result.role ? { role: result.role } : {}),
        ...(result.address ? { address: result.address } : {}),
        reconnected: false,
      });
    } catch (error) {
      options.reconnect();
      const message = error instanceof Error ? error.message : String(error);
      report({
        ok: false,
        latencyMs: performance.now() - started,
        error: redact(message),
        reconnected: true,
      });
    } finally {
      clearTimeout(timeout);
      running = false;
    }
  }, options.intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
