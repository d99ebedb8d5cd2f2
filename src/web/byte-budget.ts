/**
 * A cap on request-body bytes held in memory at once, over all requests of a server. Each body
 * reserves its bytes as they arrive and gives them back when its request is done with them, so a
 * crowd of slow or unfinished uploads cannot take the process' memory: past the cap, new bytes are
 * refused and the request gets a 503. Edge-safe.
 */
export interface ByteBudget {
  /** Takes `bytes`; false (nothing taken) when that would pass the cap. */
  take(bytes: number): boolean;
  give(bytes: number): void;
  readonly used: number;
}

export function createByteBudget(maxBytes: number): ByteBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > maxBytes) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
  };
}

/** A budget with no cap, for callers that do not share one. */
export const UNLIMITED: ByteBudget = {
  take: () => true,
  give: () => {},
  used: 0,
};
