/**
 * Whether a command would block its connection, read from the command's real grammar (COMMAND
 * DOCS) rather than by scanning for a word.
 *
 * Commands Redis flags `blocking` either always block (BLPOP, BZPOPMIN: their timeout is
 * positional) or block only when given the optional `BLOCK <milliseconds>` argument (XREAD,
 * XREADGROUP). For the second kind the arguments are parsed as Redis parses them: options in any
 * order, each keyword followed by as many values as its grammar says, until the argument that
 * takes the rest of the command (STREAMS keys... ids...). So in
 * `XREADGROUP GROUP STREAMS c BLOCK 0 STREAMS s >` GROUP takes `STREAMS c` as its two values and
 * the BLOCK after them is found; a naive scan stops at the first word STREAMS and misses it.
 * Arguments the grammar cannot place (Redis would refuse them with a syntax error) count as
 * blocking: refusing them costs nothing.
 */
import type { ArgumentSpec, CommandSpec } from "./command-table.js";

/** The keyword that makes a conditionally blocking command block. */
const BLOCK_TOKEN = "BLOCK";

/** How many words follow an argument's token: a count, or "rest" for a variadic argument. */
type Width = number | "rest" | "unknown";

function valueWidth(argument: ArgumentSpec): Width {
  if (argument.multiple) return "rest";
  switch (argument.type) {
    case "pure-token":
      return 0;
    case "oneof":
      // A choice between alternatives of different shapes; none of the blocking commands'
      // options is one, and guessing would be unsafe.
      return "unknown";
    case "block": {
      let width = 0;
      for (const child of argument.arguments) {
        if (child.optional) return "unknown";
        const inner = valueWidth(child);
        if (inner === "rest" || inner === "unknown") return inner;
        width += inner + (child.token === undefined ? 0 : 1);
      }
      return width;
    }
    default:
      return 1;
  }
}

/** The tokens a command's arguments use, or undefined when the grammar cannot place them. */
function tokensUsed(
  args: readonly string[],
  grammar: readonly ArgumentSpec[],
): Set<string> | undefined {
  const keyword = new Map<string, ArgumentSpec>();
  const positional: ArgumentSpec[] = [];
  for (const argument of grammar) {
    if (argument.token === undefined) positional.push(argument);
    else keyword.set(argument.token, argument);
  }
  const used = new Set<string>();
  let next = 0;
  let i = 0;
  while (i < args.length) {
    const option = keyword.get(args[i]!.toUpperCase());
    const argument = option ?? positional[next++];
    if (!argument) return undefined;
    if (option) {
      used.add(option.token!);
      i++;
    }
    const width = valueWidth(argument);
    if (width === "unknown") return undefined;
    if (width === "rest") return used;
    i += width;
  }
  return used;
}

/** Whether `command` (name first) would block a connection, per the spec Redis gave for it. */
export function blocks(spec: CommandSpec, command: readonly string[]): boolean {
  if (!spec.flags.has("blocking")) return false;
  const grammar = spec.grammar;
  const conditional = grammar?.some((a) => a.token === BLOCK_TOKEN && a.optional) ?? false;
  if (!grammar || !conditional) return true;
  const used = tokensUsed(command.slice(1), grammar);
  return used === undefined || used.has(BLOCK_TOKEN);
}
