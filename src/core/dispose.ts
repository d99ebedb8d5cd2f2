/**
 * `Symbol.asyncDispose`, for `await using x = …`. Runtimes without it yet get the symbol that
 * TypeScript's and esbuild's `using` helpers fall back to.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);
