import { describe, expect, it } from "vitest";
import { sseEvent } from "./frame.js";

describe("sseEvent", () => {
  it("joins the parts with commas on one data: line", () => {
    expect(sseEvent(["message", "chat", Buffer.from("hi, there")]).toString()).toBe(
      "data: message,chat,hi, there\n\n",
    );
  });

  it("splits at CR, LF and CRLF into data: lines, keeping bytes as they are", () => {
    expect(sseEvent(["message", "c", Buffer.from("a\r\nb\rc\nd")]).toString()).toBe(
      "data: message,c,a\ndata: b\ndata: c\ndata: d\n\n",
    );
    const binary = sseEvent(["message", "c", Buffer.from([0xff, 0x00])]);
    expect(
      binary.equals(
        Buffer.concat([
          Buffer.from("data: message,c,"),
          Buffer.from([0xff, 0x00]),
          Buffer.from("\n\n"),
        ]),
      ),
    ).toBe(true);
  });
});
