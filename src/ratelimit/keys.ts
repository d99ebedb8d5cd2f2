/**
 * The key of one identifier's counter. The hash tag is `{<prefix>:<identifier>}`, so every
 * identifier's counter is its own Cluster slot (limiters spread over the Cluster) and a script
 * touches one key. The last letter names the algorithm, so two limiters with one prefix but
 * different algorithms never read each other's state.
 */
import type { CoreClient } from "../core/client.js";
import type { RatelimitAlgorithm } from "./schemas.js";

const SUFFIX: Record<RatelimitAlgorithm, string> = {
  fixed: "f",
  sliding: "s",
  "token-bucket": "t",
};

export function ratelimitKey(
  client: CoreClient,
  prefix: string,
  algorithm: RatelimitAlgorithm,
  identifier: string,
): string {
  return client.key(`rl:{${prefix}:${identifier}}:${SUFFIX[algorithm]}`);
}
