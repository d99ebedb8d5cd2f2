/**
 * Argument helpers shared by the `redge` subcommands.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { splitList } from "../src/config/env.js";
import { redact } from "../src/core/redact.js";
import { type CliContext, EXIT_USAGE } from "./context.js";

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

/** What a subcommand's argument parser returns. */
export type ParsedArgs<T> = { help: true } | { args: T } | { error: string };

/**
 * Handles `--help` and usage errors the same way for every subcommand: prints the usage or the
 * error and returns the exit code; returns the arguments when the command should run.
 */
export function argsOrExit<T>(
  command: string,
  parsed: ParsedArgs<T>,
  usage: string,
  context: Pick<CliContext, "out" | "err">,
): { args: T } | { exit: number } {
  if ("help" in parsed) {
    context.out(usage);
    return { exit: 0 };
  }
  if ("error" in parsed) {
    context.err(`redge ${command}: ${parsed.error}`);
    context.err(`Run \`redge ${command} --help\` for usage.`);
    return { exit: EXIT_USAGE };
  }
  return parsed;
}
