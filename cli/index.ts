/**
 * The `redge` executable's entry point (bin/redge.js imports the built copy of this file). Wires
 * the real process into the CLI: arguments, environment, output, signals, exit code.
 */
import type { CliContext } from "./context.js";
import { main } from "./main.js";
import { parentExited, shutdownSignal } from "./signals.js";

// Output whose reader went away (a closed terminal or editor pipe: EPIPE) must not crash the
// process before it has stopped what it started.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

function write(stream: NodeJS.WriteStream, line: string): void {
  if (stream.writable) stream.write(`${line}\n`);
}

const context: CliContext = {
  env: process.env,
  out: (line) => write(process.stdout, line),
  err: (line) => write(process.stderr, line),
  shutdownSignal,
  parentExited,
  hideArguments(title) {
    // On Linux, Node writes the title over the memory of argv, which /proc/<pid>/cmdline reads.
    process.title = title;
  },
};

const code = await main(process.argv.slice(2), context);
process.exitCode = code;
// Everything is closed by now and the process ends on its own; this only guards against a stray
// handle keeping it alive (shutdown must end within seconds: see serve.ts, gateway.ts).
setTimeout(() => process.exit(code), 1_000).unref();
