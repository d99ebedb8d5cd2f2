/**
 * The dict's key layout: one Redis hash per dict at `d:{<name>}` (behind the client's
 * `keyPrefix`), a field per entry holding JSON text. The name is the hash tag, so the dict's one
 * key pins one Cluster slot; names are validated (no braces), so one dict cannot reach another's.
 */
import type { CoreClient } from "../core/client.js";

export function dictKey(client: CoreClient, name: string): string {
  return client.key(`d:{${name}}`);
}
