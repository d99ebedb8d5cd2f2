// The one ioredis error mapper of the TCP transport and the gateway, fed the errors ioredis
// really raises (their classes and messages), so a change of mapping shows up here and not only
// in the end-to-end outage tests.
import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { CommandError, ConnectionError, TimeoutError } from "../../core/errors.js";
import { toRedgeError } from "./errors.js";

describe("toRedgeError", () => {
  it("turns an error reply into a CommandError that names the command, not its arguments", () => {
    const error = toRedgeError(new ReplyError("WRONGTYPE Operation against a key"), {
      command: "HGET",
      mayHaveRun: true,
    });
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toBe("WRONGTYPE Operation against a key");
    expect((error as CommandError).command).toBe("HGET");
  });

  it("appends the refused command's own reply to an EXECABORT", () => {
    const exec = Object.assign(new ReplyError("EXECABORT Transaction discarded"), {
      previousErrors: [{ message: "ERR unknown command 'NOPE'" }],
    });
    const error = toRedgeError(exec, { command: "EXEC", mayHaveRun: true });
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toBe(
      "EXECABORT Transaction discarded First error: ERR unknown command 'NOPE'",
    );
  });

  it("treats a plain error carrying a reply prefix (as a Cluster hands them) as a reply", () => {
    for (const message of ["MOVED 3999 127.0.0.1:7001", "NOPERM no", "OOM command not allowed"]) {
      const error = toRedgeError(new Error(message), { mayHaveRun: true });
      expect(error, message).toBeInstanceOf(CommandError);
      expect(error.message).toBe(message);
    }
  });

  it("turns ioredis' command timeout into a TimeoutError with the deadline that ran out", () => {
    const error = toRedgeError(new Error("Command timed out"), {
      timeoutMs: 250,
      mayHaveRun: true,
    });
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(250);
    expect(error.message).toBe("Redis did not answer within 250 ms");
  });

  it("explains a cross-slot pipeline with the hash-tag fix", () => {
    const error = toRedgeError(
      new Error("All keys in the pipeline should belong to the same slots allocation group"),
      { command: "MSET", mayHaveRun: false },
    );
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toMatch(/^CROSSSLOT .*\{tag\}/);
  });

  it("says a command never written was not sent, whatever the connection did", () => {
    const unwritable = toRedgeError(new Error("Stream isn't writeable and enableOfflineQueue"), {
      mayHaveRun: true,
    });
    expect(unwritable).toBeInstanceOf(ConnectionError);
    expect((unwritable as ConnectionError).sent).toBe(false);

    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    const unreachable = toRedgeError(refused, { mayHaveRun: false });
    expect(unreachable).toBeInstanceOf(ConnectionError);
    expect((unreachable as ConnectionError).sent).toBe(false);
    expect(unreachable.message).toBe("Redis is unreachable (ECONNREFUSED)");
    expect(unreachable.cause).toBe(refused);
  });

  it("says a lost command may have run when it was written before the connection failed", () => {
    const lost = toRedgeError(new Error("Connection is closed."), { mayHaveRun: true });
    expect(lost).toBeInstanceOf(ConnectionError);
    expect((lost as ConnectionError).sent).toBe(true);
    expect(lost.message).toMatch(/may have run/);
  });

  it("names refused credentials instead of an unreachable server", () => {
    const error = toRedgeError(new Error("Connection is closed."), {
      mayHaveRun: false,
      authFailed: true,
    });
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/refuses the credentials/);
  });

  it("keeps secrets out of the message", () => {
    const error = toRedgeError(new Error("connect to redis://:s3cret-pass@10.0.0.1:6379 failed"), {
      mayHaveRun: false,
    });
    expect(error.message).not.toContain("s3cret-pass");
    const reply = toRedgeError(new ReplyError("ERR AUTH redis://user:hunter22@h failed"), {
      mayHaveRun: true,
    });
    expect(reply.message).not.toContain("hunter22");
  });
});
