/**
 * MONITOR over a plain socket: every command Redis runs, in execution order, as
 * `{ args, source }` (`source` is "lua" for calls from scripts). ioredis' own `monitor()` can lose
 * its place when the reply to MONITOR and the first monitored line arrive in one packet (the
 * line is taken for a reply: "Command queue state error"), which happens under load; this reader
 * has no such state.
 */
import { connect, type Socket } from "node:net";

export interface MonitoredCommand {
  args: string[];
  /** "lua" for commands a script ran, else the client's address. */
  source: string;
}

/** Parses one MONITOR line: `+<time> [<db> <source>] "arg" "arg" ...`. */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (!match) return undefined;
  const args: string[] = [];
  const text = match[2]!;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    let arg = "";
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        const next = text[i + 1];
        if (next === "x") {
          arg += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        arg += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : (next ?? "");
        i += 2;
        continue;
      }
      arg += text[i];
      i++;
    }
    args.push(arg);
    i++;
  }
  return { args, source: match[1]! };
}

export interface Monitor {
  close(): void;
}

/** Starts monitoring; resolves once Redis confirmed (+OK), so every later command is seen. */
export function monitor(
  port: number,
  onCommand: (command: MonitoredCommand) => void,
): Promise<Monitor> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let buffer = "";
    let confirmed = false;
    socket.setEncoding("latin1");
    socket.once("error", reject);
    socket.once("connect", () => socket.write("MONITOR\r\n"));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf("\r\n");
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!confirmed) {
          if (line !== "+OK") return reject(new Error(`MONITOR answered ${line.slice(0, 80)}`));
          confirmed = true;
          resolve({ close: () => socket.destroy() });
        } else {
          const command = parseMonitorLine(line);
          if (command) onCommand(command);
        }
        end = buffer.indexOf("\r\n");
      }
    });
  });
}
