import { expect, it } from "vitest";
import { serverMs } from "../../../test/contract/server-time.js";
import { describeTransports } from "../../../test/contract/transports.js";
import { call, makeApp, READ_TOKEN, TOKEN } from "../../../test/helpers/app.js";

/** The events of a server-sent-events body: `id`, `event` and the JSON `data` of each. */
function parseSse(text: string): { id: string; event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const field = (name: string) =>
        block
          .split("\n")
          .find((line) => line.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim() ?? "";
      return { id: field("id"), event: field("event"), data: JSON.parse(field("data")) };
    });
}

/**
 * A whole event-stream answer (the queue's stream ends by itself after `waitMs`; the shared
 * `call` helper reads only an event stream's first event).
 */
async function sseText(
  app: ReturnType<typeof makeApp>,
  path: string,
  token = TOKEN,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; text: string }> {
  const response = await app.request(path, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    text: await response.text(),
  };
}

describeTransports("app: queue job routes", (t) => {
  const q = (name: string) => `/queues/${encodeURIComponent(t.key(`qj-${name}`))}`;

  it("delayed items, nack, dead letters: requeue and delete", async () => {
    const app = makeApp(t.client);
    const path = q("dead");
    const options = await call(app, "PUT", `${path}/options`, { body: { maxAttempts: 1 } });
    expect(options.json).toEqual({ options: { maxAttempts: 1 } });
    await call(app, "POST", `${path}/items`, {
      body: {
        items: [
          { id: "now", data: { n: 1 }, priority: 1 },
          { id: "later", data: "L", priority: 9, delayMs: 60_000 },
        ],
      },
    });
    const info = await call(app, "GET", `${path}/info`, { token: READ_TOKEN });
    expect(info.json).toEqual({
      ready: 1,
      leased: 0,
      delayed: 1,
      deadLetters: 0,
      schedules: 0,
      gate: null,
      options: { maxAttempts: 1 },
      limits: {},
    });
    const pulled = await call(app, "POST", `${path}/pull`, { body: { leaseMs: 60_000 } });
    expect(pulled.json.items).toEqual([
      expect.objectContaining({ id: "now", attempts: 1, data: { n: 1 } }),
    ]);
    const nacked = await call(app, "POST", `${path}/nack`, {
      body: { ids: ["now"], reason: "bad input" },
    });
    expect(nacked.json).toEqual({ retried: [], deadLettered: ["now"] });
    const letters = await call(app, "GET", `${path}/dead-letters?count=5`, { token: READ_TOKEN });
    expect(letters.json.deadLetters).toEqual([
      expect.objectContaining({ id: "now", data: { n: 1 }, attempts: 1, reason: "bad input" }),
    ]);
    const requeued = await call(app, "POST", `${path}/dead-letters/requeue`, {
      body: { ids: ["now", "zz"] },
    });
    expect(requeued.json).toEqual({ ids: ["now"] });
    await call(app, "POST", `${path}/pull`, { body: { leaseMs: 60_000 } });
    await call(app, "POST", `${path}/nack`, { body: { ids: ["now"] } });
    const deleted = await call(app, "POST", `${path}/dead-letters/delete`, {
      body: { ids: ["now"] },
    });
    expect(deleted.json).toEqual({ ids: ["now"] });
    expect((await call(app, "GET", `${path}/info`)).json).toMatchObject({ deadLetters: 0 });
    const bad = await call(app, "POST", `${path}/nack`, { body: { ids: ["now"], delayMs: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details).toEqual([expect.objectContaining({ path: "delayMs" })]);
  });

  it("limits hold a pull back and say when to try again", async () => {
    const app = makeApp(t.client);
    const path = q("limits");
    await call(app, "POST", `${path}/items`, {
      body: { items: [1, 2, 3].map((i) => ({ id: `i${i}`, data: i, priority: 0 })) },
    });
    const set = await call(app, "PUT", `${path}/limits`, { body: { concurrency: 1 } });
    expect(set.json).toEqual({ limits: { concurrency: 1 } });
    const pulled = await call(app, "POST", `${path}/pull`, { body: { count: 3, leaseMs: 60_000 } });
    expect(pulled.json.items.map((i: { id: string }) => i.id)).toEqual(["i1"]);
    expect(pulled.json.retryAfterMs).toBeGreaterThan(0);
    const free = await call(app, "PUT", `${path}/limits`, { body: {} });
    expect(free.json).toEqual({ limits: {} });
    const rest = await call(app, "POST", `${path}/pull`, { body: { count: 3, leaseMs: 60_000 } });
    expect(rest.json).toEqual({ items: [expect.anything(), expect.anything()] });
    const bad = await call(app, "PUT", `${path}/limits`, { body: { rate: { max: 1 } } });
    expect(bad.status).toBe(400);
  });

  it("serves the queue's events as server-sent events, from an id, for read-only tokens", async () => {
    const app = makeApp(t.client);
    const path = q("events");
    await call(app, "POST", `${path}/items`, {
      body: { items: [{ id: "a", data: 1, priority: 1 }] },
    });
    await call(app, "POST", `${path}/pull`, { body: { leaseMs: 60_000 } });
    await call(app, "POST", `${path}/ack`, { body: { ids: ["a"] } });
    const res = await sseText(app, `${path}/events?waitMs=0`, READ_TOKEN);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/event-stream/);
    const events = parseSse(res.text);
    expect(events.map((e) => [e.event, e.data.ids])).toEqual([
      ["added", ["a"]],
      ["leased", ["a"]],
      ["acked", ["a"]],
    ]);
    expect(events[0]!.data).toMatchObject({ id: events[0]!.id, type: "added" });
    // Resuming after an id, from the query or from Last-Event-ID.
    const after = await sseText(app, `${path}/events?waitMs=0&from=${events[0]!.id}`);
    expect(parseSse(after.text).map((e) => e.event)).toEqual(["leased", "acked"]);
    const resumed = await sseText(app, `${path}/events?waitMs=0`, TOKEN, {
      "last-event-id": events[1]!.id,
    });
    expect(parseSse(resumed.text).map((e) => e.event)).toEqual(["acked"]);
    const bad = await call(app, "GET", `${path}/events?from=nope`);
    expect(bad.status).toBe(400);
  });

  it("keeps the event stream open for new events until waitMs", async () => {
    const app = makeApp(t.client);
    const path = q("events-live");
    const response = await app.request(`${path}/events?from=$&waitMs=10000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await call(app, "POST", `${path}/items`, {
      body: { items: [{ id: "b", data: 1, priority: 1 }] },
    });
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(parseSse(text).map((e) => [e.event, e.data.ids])).toEqual([["added", ["b"]]]);
  });

  it("schedules: create, list (read-only), delete; 404 for an unknown one", async () => {
    const app = makeApp(t.client);
    const path = q("schedules");
    const put = await call(app, "PUT", `${path}/schedules/nightly`, {
      body: { data: { job: "report" }, priority: 3, cron: "0 2 * * *", tz: "Europe/Rome" },
    });
    expect(put.status).toBe(200);
    expect(put.json.id).toBe(`nightly@${put.json.nextAt}`);
    expect(put.json.nextAt).toBeGreaterThan(await serverMs(t.client));
    const listed = await call(app, "GET", `${path}/schedules`, { token: READ_TOKEN });
    expect(listed.json).toEqual({
      schedules: [
        {
          id: "nightly",
          data: { job: "report" },
          priority: 3,
          cron: "0 2 * * *",
          tz: "Europe/Rome",
          nextAt: put.json.nextAt,
        },
      ],
    });
    const bad = await call(app, "PUT", `${path}/schedules/x`, {
      body: { data: 1, priority: 1, cron: "not cron" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details).toEqual([expect.objectContaining({ path: "options.cron" })]);
    expect((await call(app, "DELETE", `${path}/schedules/nightly`)).json).toEqual({ ok: true });
    expect((await call(app, "DELETE", `${path}/schedules/nightly`)).status).toBe(404);
  });

  it("rate limits an identifier; a read-only token may only check", async () => {
    const app = makeApp(t.client);
    const path = `/ratelimit/${encodeURIComponent(t.key("rl"))}/user-1`;
    const body = { limit: 2, windowMs: 3_600_000, algorithm: "fixed" };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await call(app, "POST", path, { body })).json);
    expect(answers.map((a) => [a.success, a.remaining])).toEqual([
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    const now = await serverMs(t.client);
    expect(answers[2].resetAt).toBeGreaterThan(now);
    const check = await call(app, "POST", path, { token: READ_TOKEN, body: { ...body, cost: 0 } });
    expect(check.json).toMatchObject({ success: true, remaining: 0 });
    expect((await call(app, "POST", path, { token: READ_TOKEN, body })).status).toBe(403);
    const bad = await call(app, "POST", path, { body: { ...body, algorithm: "leaky" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details).toEqual([expect.objectContaining({ path: "algorithm" })]);
  });
});
