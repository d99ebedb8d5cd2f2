import { describe, expect, it } from "vitest";
import { globMatch } from "./glob.js";
import { merge } from "./merge.js";
import { decodeEvent, sseData } from "./sse.js";

function readerOf(chunks: string[]): ReadableStreamDefaultReader<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  }).getReader();
}

async function collect(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(readerOf(chunks))) out.push(data);
  return out;
}

describe("sseData", () => {
  it("yields each event's data, skipping comments and other fields", async () => {
    expect(
      await collect([
        ": keep-alive\n\n",
        "event: x\ndata: subscribe,a,1\n\n",
        "id: 3\ndata: b\n\n",
      ]),
    ).toEqual(["subscribe,a,1", "b"]);
  });

  it("joins an event's data lines with newlines, across chunk boundaries and line endings", async () => {
    expect(await collect(["data: message,c,one\r", "\ndata: two\r\rdata:three\n", "\n"])).toEqual([
      "message,c,one\ntwo",
      "three",
    ]);
  });

  it("keeps multi-byte characters split between chunks whole", async () => {
    const bytes = new TextEncoder().encode("data: message,c,é🌍\n\n");
    const reader = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    }).getReader();
    const out: string[] = [];
    for await (const data of sseData(reader)) out.push(data);
    expect(out).toEqual(["message,c,é🌍"]);
  });

  it("drops an unterminated last event and refuses an endless one", async () => {
    expect(await collect(["data: a\n\ndata: half"])).toEqual(["a"]);
    const reader = readerOf([`data: ${"x".repeat(100)}`]);
    await expect(
      (async () => {
        for await (const _ of sseData(reader, 50)) {
          // nothing
        }
      })(),
    ).rejects.toThrow(/longer than 50/);
  });
});

describe("decodeEvent", () => {
  const targets = { channels: ["a,b", "plain"], patterns: ["news.*", "x,*"] };

  it("decodes confirmations and messages in the Upstash format", () => {
    expect(decodeEvent("subscribe,plain,2", targets)).toEqual({
      type: "subscribed",
      kind: "channel",
      name: "plain",
      count: 2,
    });
    expect(decodeEvent("psubscribe,news.*,1", targets)).toMatchObject({ kind: "pattern" });
    expect(decodeEvent("message,plain,hello, world", targets)).toEqual({
      type: "message",
      channel: "plain",
      message: "hello, world",
    });
    expect(decodeEvent("pmessage,news.*,news.eu,a,b", targets)).toEqual({
      type: "pmessage",
      pattern: "news.*",
      channel: "news.eu",
      message: "a,b",
    });
  });

  it("finds where names holding commas end", () => {
    expect(decodeEvent("subscribe,a,b,1", targets)).toMatchObject({ name: "a,b", count: 1 });
    expect(decodeEvent("message,a,b,m,n", targets)).toMatchObject({
      channel: "a,b",
      message: "m,n",
    });
    expect(decodeEvent("pmessage,x,*,x,y,z,msg", targets)).toEqual({
      type: "pmessage",
      pattern: "x,*",
      channel: "x,y",
      message: "z,msg",
    });
  });

  it("ignores what is not a subscription event", () => {
    expect(decodeEvent("unsubscribe,plain,0", targets)).toBeUndefined();
    expect(decodeEvent("garbage", targets)).toBeUndefined();
    expect(decodeEvent("subscribe,plain,notanumber", targets)).toBeUndefined();
  });
});

describe("globMatch", () => {
  it("matches like Redis' stringmatch", () => {
    expect(globMatch("news.*", "news.eu")).toBe(true);
    expect(globMatch("news.*", "news")).toBe(false);
    expect(globMatch("h?llo", "hallo")).toBe(true);
    expect(globMatch("h[ae]llo", "hello")).toBe(true);
    expect(globMatch("h[^e]llo", "hello")).toBe(false);
    expect(globMatch("h[a-c]llo", "hbllo")).toBe(true);
    expect(globMatch("h\\*llo", "h*llo")).toBe(true);
    expect(globMatch("h\\*llo", "hello")).toBe(false);
    expect(globMatch("*", "")).toBe(true);
    expect(globMatch("a*b*c", "axxbyyc")).toBe(true);
    expect(globMatch("a*b*c", "axxbyy")).toBe(false);
  });
});

describe("merge", () => {
  // A source's pending next() must settle before it can be returned: `stop` ends it, as the
  // REST streams end their pending read on abort.
  it("interleaves sources and returns every one when the consumer stops", async () => {
    const returned: string[] = [];
    const stop = new AbortController();
    async function* source(name: string, items: number[]) {
      try {
        for (const item of items) yield `${name}${item}`;
        await new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
      } finally {
        returned.push(name);
      }
    }
    const seen: string[] = [];
    for await (const item of merge([source("a", [1, 2]), source("b", [1])], () => stop.abort())) {
      seen.push(item);
      if (seen.length === 3) break;
    }
    expect(seen.sort()).toEqual(["a1", "a2", "b1"]);
    expect(returned.sort()).toEqual(["a", "b"]);
  });

  it("fails with the first source's error and returns the others", async () => {
    const returned: string[] = [];
    const stop = new AbortController();
    async function* waiting() {
      try {
        await new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
      } finally {
        returned.push("waiting");
      }
    }
    async function* failing(): AsyncGenerator<string> {
      yield "x";
      throw new Error("dropped");
    }
    const seen: string[] = [];
    const run = (async () => {
      for await (const item of merge<string>([waiting(), failing()], () => stop.abort())) {
        seen.push(item);
      }
    })();
    await expect(run).rejects.toThrow("dropped");
    expect(seen).toEqual(["x"]);
    expect(returned).toEqual(["waiting"]);
  });
});
