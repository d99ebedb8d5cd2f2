import { expect, it } from "vitest";
import { describeTransports } from "../../../test/contract/transports.js";
import { call, makeApp, READ_TOKEN } from "../../../test/helpers/app.js";

describeTransports("app: queue routes", (t) => {
  const q = (name: string) => `/queues/${encodeURIComponent(t.key(`q-${name}`))}`;
  const items = [
    { id: "low", data: "l", priority: 1 },
    { id: "high", data: { n: 1 }, priority: 10 },
    { id: "mid", data: [1, 2], priority: 5 },
  ];

  it("items, GET, peek, pull: highest first, purged once pulled", async () => {
    const app = makeApp(t.client);
    const path = q("basic");
    const added = await call(app, "POST", `${path}/items`, { body: { items } });
    expect(added.status).toBe(200);
    expect(added.json).toEqual({ added: 3, existing: 0 });
    expect((await call(app, "GET", path)).json).toEqual({ ready: 3, leased: 0, gate: null });

    const peek = await call(app, "POST", `${path}/pull`, { body: { purge: false, count: 10 } });
    expect(peek.json.items.map((i: { id: string }) => i.id)).toEqual(["high", "mid", "low"]);
    expect(peek.json.items[0]).toMatchObject({
      id: "high",
      data: { n: 1 },
      priority: 10,
      leasedUntil: null,
    });
    expect(typeof peek.json.items[0].enqueuedAt).toBe("number");

    const pulled = await call(app, "POST", `${path}/pull`, { body: { count: 2 } });
    expect(pulled.json.items.map((i: { id: string }) => i.id)).toEqual(["high", "mid"]);
    expect((await call(app, "GET", path)).json).toEqual({ ready: 1, leased: 0, gate: null });
  });

  it("ifExists increment adds to an existing item's priority", async () => {
    const app = makeApp(t.client);
    const path = q("ifexists");
    await call(app, "POST", `${path}/items`, { body: { items: [items[0]] } });
    const again = await call(app, "POST", `${path}/items`, {
      body: { items: [{ id: "low", data: "l2", priority: 4 }], ifExists: "increment" },
    });
    expect(again.json).toEqual({ added: 0, existing: 1 });
    const [item] = (await call(app, "POST", `${path}/pull`, { body: { purge: false } })).json.items;
    expect(item).toMatchObject({ id: "low", data: "l2", priority: 5 });
  });

  it("lease hides items until ack; ack with the lease's fencing token", async () => {
    const app = makeApp(t.client);
    const path = q("lease");
    await call(app, "POST", `${path}/items`, { body: { items } });
    const leased = await call(app, "POST", `${path}/pull`, {
      body: { purge: false, leaseMs: 60_000, count: 2 },
    });
    expect(leased.json.items).toHaveLength(2);
    expect(typeof leased.json.items[0].leasedUntil).toBe("number");
    expect((await call(app, "GET", path)).json).toMatchObject({ ready: 1, leased: 2 });
    const [first, second] = leased.json.items;
    const acked = await call(app, "POST", `${path}/ack`, {
      body: { ids: [{ id: first.id, leasedUntil: first.leasedUntil }, second.id, "unknown"] },
    });
    expect(acked.json.ids.sort()).toEqual([first.id, second.id].sort());
    expect((await call(app, "GET", path)).json).toMatchObject({ ready: 1, leased: 0 });
  });

  it("increment one item (404 when absent) and decrement all", async () => {
    const app = makeApp(t.client);
    const path = q("incr");
    await call(app, "POST", `${path}/items`, { body: { items } });
    const inc = await call(app, "POST", `${path}/items/low/increment`, { body: { delta: 20 } });
    expect(inc.json).toEqual({ priority: 21 });
    const missing = await call(app, "POST", `${path}/items/nope/increment`, { body: { delta: 1 } });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
    expect((await call(app, "POST", `${path}/decrement`, { body: { delta: 2.5 } })).json).toEqual({
      ok: true,
    });
    const peek = await call(app, "POST", `${path}/pull`, { body: { purge: false, count: 3 } });
    expect(peek.json.items.map((i: { priority: number }) => i.priority)).toEqual([18.5, 7.5, 2.5]);
  });

  it("delete-below removes strictly below (or inclusive) and returns ids", async () => {
    const app = makeApp(t.client);
    const path = q("below");
    await call(app, "POST", `${path}/items`, { body: { items } });
    const strict = await call(app, "POST", `${path}/delete-below`, { body: { threshold: 5 } });
    expect(strict.json).toEqual({ ids: ["low"] });
    const inclusive = await call(app, "POST", `${path}/delete-below`, {
      body: { threshold: 5, inclusive: true },
    });
    expect(inclusive.json).toEqual({ ids: ["mid"] });
    expect((await call(app, "GET", path)).json).toMatchObject({ ready: 1 });
  });

  it("expired lists old items, and with purge removes them", async () => {
    const app = makeApp(t.client);
    const path = q("expired");
    await call(app, "POST", `${path}/items`, { body: { items } });
    await new Promise((r) => setTimeout(r, 20));
    const listed = await call(app, "POST", `${path}/expired`, { body: { ttlMs: 1 } });
    expect(listed.json.items.map((i: { id: string }) => i.id).sort()).toEqual([
      "high",
      "low",
      "mid",
    ]);
    expect((await call(app, "GET", path)).json).toMatchObject({ ready: 3 });
    const fresh = await call(app, "POST", `${path}/expired`, { body: { ttlMs: 3_600_000 } });
    expect(fresh.json).toEqual({ items: [] });
    const purged = await call(app, "POST", `${path}/expired`, { body: { ttlMs: 1, purge: true } });
    expect(purged.json.items).toHaveLength(3);
    expect((await call(app, "GET", path)).json).toMatchObject({ ready: 0 });
  });

  it("the gate filters gated pulls; null removes it", async () => {
    const app = makeApp(t.client);
    const path = q("gate");
    await call(app, "POST", `${path}/items`, { body: { items } });
    expect((await call(app, "PUT", `${path}/gate`, { body: { value: 5 } })).json).toEqual({
      gate: 5,
    });
    expect((await call(app, "GET", path)).json.gate).toBe(5);
    const gated = await call(app, "POST", `${path}/pull`, {
      body: { purge: false, gate: true, count: 10 },
    });
    expect(gated.json.items.map((i: { id: string }) => i.id)).toEqual(["high", "mid"]);
    expect((await call(app, "PUT", `${path}/gate`, { body: { value: null } })).json).toEqual({
      gate: null,
    });
    expect((await call(app, "GET", path)).json.gate).toBeNull();
  });

  it("a read-only token may peek and list expired items, not pull, lease or purge", async () => {
    const app = makeApp(t.client);
    const path = q("readonly");
    await call(app, "POST", `${path}/items`, { body: { items } });
    const ro = { token: READ_TOKEN };
    expect(
      (await call(app, "POST", `${path}/pull`, { ...ro, body: { purge: false } })).status,
    ).toBe(200);
    expect((await call(app, "POST", `${path}/expired`, { ...ro, body: { ttlMs: 1 } })).status).toBe(
      200,
    );
    for (const body of [{}, { purge: true }, { purge: false, leaseMs: 1000 }]) {
      const res = await call(app, "POST", `${path}/pull`, { ...ro, body });
      expect(res.status, JSON.stringify(body)).toBe(403);
    }
    const purge = await call(app, "POST", `${path}/expired`, {
      ...ro,
      body: { ttlMs: 1, purge: true },
    });
    expect(purge.status).toBe(403);
    expect((await call(app, "GET", path)).json).toMatchObject({ ready: 3, leased: 0 });
  });

  it("purge with leaseMs is 400 naming leaseMs", async () => {
    const res = await call(makeApp(t.client), "POST", `${q("both")}/pull`, {
      body: { purge: true, leaseMs: 100 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([expect.objectContaining({ path: "leaseMs" })]);
  });

  it("items too large for one atomic call are 413 and nothing is written", async () => {
    const app = makeApp(t.client);
    const path = q("big");
    const big = [
      { id: "a", data: "x".repeat(600_000), priority: 1 },
      { id: "b", data: "y".repeat(401_000), priority: 1 },
      { id: "c", data: "z", priority: 1 },
    ];
    const res = await call(app, "POST", `${path}/items`, { body: { items: big } });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
    expect(res.json.error.message).toMatch(/one atomic call/);
    expect((await call(app, "GET", path)).json).toEqual({ ready: 0, leased: 0, gate: null });
    // Just under the limit, the same route takes them in one call.
    const fits = await call(app, "POST", `${path}/items`, { body: { items: big.slice(1) } });
    expect(fits.json).toEqual({ added: 2, existing: 0 });
  });
});
