/**
 * The `redge` executable's entry point (bin/redge.js imports the built copy of this file). Wires
 * the real process into the CLI: arguments, environment, output, signals, exit code.
 */
import type { CliContext } from "./context.js";
import { main } from "./main.js";

let signalled: Promise<string> | undefined;

const context: CliContext = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  hideArguments(title) {
    // On Linux, Node writes the title over the memory of argv, which /proc/<pid>/cmdline reads.
    process.title = title;
  },
  shutdownSignal() {
    signalled ??= new Promise((resolve) => {
      const onSignal = (signal: string) => {
        // A second signal means "now": do not wait for the graceful shutdown to finish.
        process.once("SIGINT", () => process.exit(130));
        process.once("SIGTERM", () => process.exit(143));
        resolve(signal);
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
    return signalled;
  },
};

const code = await main(process.argv.slice(2), context);
process.exitCode = code;
// Everything is closed by now and the process ends on its own; this only guards against a stray
// handle keeping it alive.
setTimeout(() => process.exit(code), 2_000).unref();
