/**
 * Sends the single commands of all requests that arrive in one event-loop iteration as one
 * ioredis pipeline: one socket write and one Redis read instead of one per request. Under load,
 * per-command write syscalls were most of the gateway's work.
 *
 * Why not ioredis' own `enableAutoPipelining`: it drops the command name of `callBuffer` (which the
 * gateway needs for binary-safe replies), and it flushes on `process.nextTick`, which runs after
 * every socket's callback — so commands from different HTTP requests would never share a batch.
 * `setImmediate` runs once the loop has read every ready socket.
 */
import type { Cluster, Redis } from "ioredis";

type Argument = string | Buffer;

interface Pending {
  name: string;
  args: Argument[];
  resolve: (reply: unknown) => void;
  reject: (error: unknown) => void;
}

export type SendCommand = (name: string, args: Argument[]) => Promise<unknown>;

export function createBatcher(connection: Redis | Cluster): SendCommand {
  // A Cluster pipeline must stay within one slot; commands go out one by one there.
  if (isCluster(connection)) return (name, args) => connection.callBuffer(name, ...args);

  let pending: Pending[] = [];

  const flush = () => {
    const batch = pending;
    pending = [];
    if (batch.length === 1) {
      const only = batch[0]!;
      connection.callBuffer(only.name, ...only.args).then(only.resolve, only.reject);
      return;
    }
    const pipeline = connection.pipeline();
    for (const item of batch) pipeline.callBuffer(item.name, ...item.args);
    pipeline.exec().then(
      (results) => {
        batch.forEach((item, i) => {
          const [error, reply] = results?.[i] ?? [new Error("Connection is closed."), null];
          if (error) item.reject(error);
          else item.resolve(reply);
        });
      },
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  };

  return (name, args) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ name, args, resolve, reject });
    });
}

function isCluster(connection: Redis | Cluster): connection is Cluster {
  return (connection as { isCluster?: boolean }).isCluster === true;
}
