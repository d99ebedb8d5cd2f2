import { expect, it } from "vitest";
import { describeTransports } from "../../../test/contract/transports.js";
import { call, makeApp, READ_TOKEN, TOKEN } from "../../../test/helpers/app.js";

/** Reads a server-sent event stream event by event. */
function eventReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<{ event: string; data: string }> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(":")) continue;
          const lines = block.split("\n");
          const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
          const data = lines
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("\n");
          return { event, data };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describeTransports("app: channel routes", (t) => {
  const c = (name: string) => `/channels/${encodeURIComponent(t.key(`ch-${name}`))}`;

  it("streams what is published, to read-only tokens too, under the client's key prefix", async () => {
    const client = t.makeClient({ keyPrefix: `${t.key("app")}:` });
    const app = makeApp(client);
    const path = c("news");
    const response = await app.request(`${path}/events`, {
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = eventReader(response);
    expect(await events.next()).toEqual({
      event: "subscribed",
      data: JSON.stringify({ channel: t.key("ch-news") }),
    });
    const published = await call(app, "POST", path, { body: { message: "hello\nworld" } });
    expect(published).toMatchObject({ status: 200, json: { receivers: 1 } });
    expect(await events.next()).toEqual({ event: "message", data: "hello\nworld" });
    await call(app, "POST", path, { body: { message: { a: [1, 2] } } });
    expect(await events.next()).toEqual({ event: "message", data: '{"a":[1,2]}' });
    // The Redis channel carries the client's key prefix.
    expect(await client.publish(`${client.keyPrefix}${t.key("ch-news")}`, "direct")).toBe(1);
    expect(await events.next()).toEqual({ event: "message", data: "direct" });
    await events.cancel();
    // Cancelling the stream unsubscribes: publishing reaches nobody (the server may take a
    // moment to see the socket go, so the count is read until it is 0).
    const channel = `${client.keyPrefix}${t.key("ch-news")}`;
    while (
      Number(((await client.command(["PUBSUB", "NUMSUB", channel])) as [string, number])[1]) !== 0
    ) {
      await new Promise((r) => setImmediate(r));
    }
    expect((await call(app, "POST", path, { body: { message: "x" } })).json).toEqual({
      receivers: 0,
    });
  });

  it("holds at most maxEventStreams streams open; a closed one frees its place", async () => {
    const app = makeApp(t.client, { maxEventStreams: 1 });
    const first = await app.request(`${c("cap")}/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(first.status).toBe(200);
    const events = eventReader(first);
    expect((await events.next()).event).toBe("subscribed");
    const second = await call(app, "GET", `${c("cap")}/events`);
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    await events.cancel();
    const third = await call(app, "GET", `${c("cap")}/events`);
    expect(third.status).toBe(200);
    expect(third.text).toMatch(/^event: subscribed\n/);
  });

  it("publishing needs a read-write token; bad names and bodies are 400 before Redis", async () => {
    const app = makeApp(t.client);
    const refused = await call(app, "POST", c("ro"), {
      token: READ_TOKEN,
      body: { message: "m" },
    });
    expect(refused.status).toBe(403);
    for (const name of ["__keyspace@0__:k", "a\u0001b", "x".repeat(201)]) {
      const bad = await call(app, "GET", `/channels/${encodeURIComponent(name)}/events`);
      expect(bad.status, name).toBe(400);
      expect(bad.json.error.details[0].path).toBe("name");
    }
    expect((await call(app, "POST", c("b"), { body: {} })).status).toBe(400);
    expect((await call(app, "POST", c("b"), { body: { message: "m", extra: 1 } })).status).toBe(
      400,
    );
    expect(
      (await call(app, "POST", c("b"), { token: TOKEN, body: { message: "\ud800" } })).status,
    ).toBe(400);
  });
});
