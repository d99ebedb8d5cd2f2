import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { encodeReply, wantsBase64 } from "./encoding.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("reply encoding", () => {
  it("encodes every string as base64 of its raw bytes, recursively; numbers and nulls stay", () => {
    const reply = [Buffer.from("OK"), 42, null, [Buffer.from("é"), [Buffer.from([0, 255])]]];
    expect(encodeReply(reply, true)).toEqual([b64("OK"), 42, null, [b64("é"), ["AP8="]]]);
  });

  it("sends UTF-8 text without base64", () => {
    expect(encodeReply([Buffer.from("héllo 👋"), 1, null], false)).toEqual(["héllo 👋", 1, null]);
  });

  it("turns errors nested in an array into their message", () => {
    const nested = new ReplyError("ERR inner");
    expect(encodeReply([1, nested], false)).toEqual([1, "ERR inner"]);
    expect(encodeReply([1, nested], true)).toEqual([1, b64("ERR inner")]);
  });

  it("keeps integer replies read as text exact: numbers when safe, digits beyond 2^53", () => {
    expect(encodeReply(["42", "-7", "0"], false)).toEqual([42, -7, 0]);
    expect(encodeReply("9007199254740993", false)).toBe("9007199254740993");
    expect(encodeReply("9007199254740993", true)).toBe(b64("9007199254740993"));
  });

  it("recognises the Upstash-Encoding header", () => {
    expect(wantsBase64("base64")).toBe(true);
    expect(wantsBase64(" Base64 ")).toBe(true);
    expect(wantsBase64(undefined)).toBe(false);
    expect(wantsBase64("gzip")).toBe(false);
  });
});
