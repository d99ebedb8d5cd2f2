import { expect, it } from "vitest";
import { describeTransports } from "../../../test/contract/transports.js";
import { call, makeApp } from "../../../test/helpers/app.js";

describeTransports("app: stream routes", (t) => {
  const s = (name: string) => `/streams/${encodeURIComponent(t.key(`s-${name}`))}`;

  it("publish, receive (group created on first use), ack", async () => {
    const app = makeApp(t.client);
    const path = s("basic");
    const published = await call(app, "POST", `${path}/messages`, {
      body: { messages: [{ job: 1 }, "two", 3] },
    });
    expect(published.status).toBe(200);
    expect(published.json.ids).toHaveLength(3);
    const got = await call(app, "POST", `${path}/groups/workers/receive`, {
      body: { consumer: "w1", count: 10 },
    });
    expect(got.status).toBe(200);
    expect(got.json.messages).toEqual([
      { id: published.json.ids[0], data: { job: 1 }, deliveries: 1 },
      { id: published.json.ids[1], data: "two", deliveries: 1 },
      { id: published.json.ids[2], data: 3, deliveries: 1 },
    ]);
    const again = await call(app, "POST", `${path}/groups/workers/receive`, {
      body: { consumer: "w1" },
    });
    expect(again.json).toEqual({ messages: [] });
    const acked = await call(app, "POST", `${path}/groups/workers/ack`, {
      body: { ids: published.json.ids.slice(0, 2) },
    });
    expect(acked.json).toEqual({ acked: 2 });
    const pending = await t.client.stream(t.key("s-basic"), { group: "workers" }).pending();
    expect(pending.count).toBe(1);
  });

  it("a second group gets every message too; claimIdleMs reclaims another consumer's", async () => {
    const app = makeApp(t.client);
    const path = s("groups");
    await call(app, "POST", `${path}/messages`, { body: { messages: ["a"] } });
    const g1 = await call(app, "POST", `${path}/groups/g1/receive`, { body: { consumer: "c1" } });
    const g2 = await call(app, "POST", `${path}/groups/g2/receive`, { body: { consumer: "c1" } });
    expect(g1.json.messages[0].data).toBe("a");
    expect(g2.json.messages[0].data).toBe("a");
    await new Promise((r) => setTimeout(r, 30));
    const reclaimed = await call(app, "POST", `${path}/groups/g1/receive`, {
      body: { consumer: "c2", claimIdleMs: 10 },
    });
    expect(reclaimed.json.messages).toEqual([
      { id: g1.json.messages[0].id, data: "a", deliveries: 2 },
    ]);
  });

  it("receive with blockMs waits for a message published meanwhile", async () => {
    const app = makeApp(t.client);
    const path = s("block");
    // Create the group first so the published message is new to it.
    await call(app, "POST", `${path}/groups/g/receive`, { body: { consumer: "c" } });
    const waiting = call(app, "POST", `${path}/groups/g/receive`, {
      body: { consumer: "c", blockMs: 5_000 },
    });
    await new Promise((r) => setTimeout(r, 100));
    await call(app, "POST", `${path}/messages`, { body: { messages: ["late"] } });
    const got = await waiting;
    expect(got.status).toBe(200);
    expect(got.json.messages.map((m: { data: unknown }) => m.data)).toEqual(["late"]);
  });

  it("maxLen trims the stream", async () => {
    const app = makeApp(t.client);
    const path = s("trim");
    for (let i = 0; i < 5; i++) {
      await call(app, "POST", `${path}/messages`, {
        body: { messages: Array.from({ length: 200 }, (_, j) => j), maxLen: 100 },
      });
    }
    const length = await t.client.stream(t.key("s-trim"), { group: "g" }).length();
    expect(length).toBeLessThan(1000);
  });

  it("ack of ids no group has pending acks none; bad ids are 400", async () => {
    const app = makeApp(t.client);
    const path = s("nogroup");
    await call(app, "POST", `${path}/messages`, { body: { messages: [1] } });
    const res = await call(app, "POST", `${path}/groups/none/ack`, { body: { ids: ["1-0"] } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ acked: 0 });
    const bad = await call(app, "POST", `${path}/groups/none/ack`, { body: { ids: ["abc"] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe("ids.0");
  });

  it("blockMs above the HTTP limit is 400", async () => {
    const res = await call(makeApp(t.client), "POST", `${s("limit")}/groups/g/receive`, {
      body: { consumer: "c", blockMs: 60_000 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe("blockMs");
  });
});
