/**
 * Argument helpers shared by the `redge` subcommands.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { splitList } from "../config/env.js";
import { redact } from "../security/redact.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `parseArgs` (strict, no positionals) that reports a usage error instead of throwing, without
 * quoting a stray argument: it may be a misplaced token.
 */
export function parseOptions<O extends Options>(
  argv: string[],
  options: O,
):
  | { values: ReturnType<typeof parseArgs<{ options: O; strict: true }>>["values"] }
  | { error: string } {
  try {
    return {
      values: parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values,
    };
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      return { error: "unexpected argument: options take the form --name value" };
    }
    return { error: error instanceof Error ? redact(error.message) : "invalid arguments" };
  }
}

/** A list option: repeated flags, else a comma-separated environment variable; blanks dropped. */
export function list(fromArgs: string[] | undefined, fromEnv: string | undefined): string[] {
  const raw = fromArgs && fromArgs.length > 0 ? fromArgs : fromEnv ? [fromEnv] : [];
  return raw.flatMap((item) => splitList(item));
}
