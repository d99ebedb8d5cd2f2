/**
 * A client must send its whole request within `requestTimeoutMs`: an upload left unfinished is
 * not held open (Node's default allows 300 s), and its bytes are given back (see gateway/body.ts and the app's body limit). Node
 * checks its timeouts every `connectionsCheckingInterval` (30 s by default), so that is shortened
 * to keep the bound close to what was asked.
 */
export function requestTimeouts(requestTimeoutMs: number | undefined) {
  if (requestTimeoutMs === undefined) return {};
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
  };
}
