/**
 * The contract suite's priority-stream (jobs and consumers included), ratelimit, cache, dict,
 * subject, stream, typed-command and pub/sub
 * tests against a real 3-master Redis Cluster, through the TCP transport (ioredis Cluster:
 * MOVED/ASK followed) and
 * through the gateway in front of the Cluster. Every capability keeps one operation's keys in one
 * hash slot, so the same assertions hold as on a single server.
 */
import { afterAll } from "vitest";
import { useClusterTransports } from "../contract/transports.js";
import { startCluster } from "../helpers/topology/cluster.js";

const cluster = await startCluster();
afterAll(() => cluster.stop());
useClusterTransports(cluster.seeds);

await import("../contract/priority.contract.test.js");
await import("../contract/priority-jobs.contract.test.js");
await import("../contract/priority-consumers.contract.test.js");
await import("../contract/ratelimit.contract.test.js");
await import("../contract/cache.contract.test.js");
await import("../contract/dict.contract.test.js");
await import("../contract/subjects.contract.test.js");
await import("../contract/streams.contract.test.js");
await import("../contract/typed-commands.contract.test.js");
await import("../contract/pubsub.contract.test.js");
