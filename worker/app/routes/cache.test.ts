import { expect, it } from "vitest";
import { describeTransports } from "../../../test/contract/transports.js";
import { call, makeApp } from "../../../test/helpers/app.js";

describeTransports("app: cache routes", (t) => {
  const ns = () => t.key("cache-ns");

  it("PUT stores a value GET reads back, and the library sees the same entry", async () => {
    const app = makeApp(t.client);
    const put = await call(app, "PUT", `/cache/${ns()}/user:1`, {
      body: { value: { name: "Ada", tags: [1, 2] }, ttlMs: 60_000 },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ ok: true, ttlMs: 60_000 });
    const got = await call(app, "GET", `/cache/${ns()}/user:1`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ value: { name: "Ada", tags: [1, 2] } });
    expect(await t.client.cache.get("user:1", { namespace: ns() })).toEqual({
      name: "Ada",
      tags: [1, 2],
    });
  });

  it("PUT without ttlMs uses the default TTL; null and strings are values too", async () => {
    const app = makeApp(t.client);
    expect((await call(app, "PUT", `/cache/${ns()}/nul`, { body: { value: null } })).json).toEqual({
      ok: true,
      ttlMs: 3_600_000,
    });
    expect((await call(app, "GET", `/cache/${ns()}/nul`)).json).toEqual({ value: null });
    await call(app, "PUT", `/cache/${ns()}/str`, { body: { value: "42" } });
    expect((await call(app, "GET", `/cache/${ns()}/str`)).json).toEqual({ value: "42" });
  });

  it("GET of a missing entry is 404 in the error shape", async () => {
    const got = await call(makeApp(t.client), "GET", `/cache/${ns()}/missing`);
    expect(got.status).toBe(404);
    expect(got.json.error.code).toBe("not_found");
  });

  it("DELETE removes the entry and says whether there was one", async () => {
    const app = makeApp(t.client);
    await call(app, "PUT", `/cache/${ns()}/gone`, { body: { value: 1 } });
    expect((await call(app, "DELETE", `/cache/${ns()}/gone`)).json).toEqual({ deleted: true });
    expect((await call(app, "DELETE", `/cache/${ns()}/gone`)).json).toEqual({ deleted: false });
    expect((await call(app, "GET", `/cache/${ns()}/gone`)).status).toBe(404);
  });

  it("invalidate { tag } deletes every entry filed under the tag, and only those", async () => {
    const app = makeApp(t.client);
    const n = `${ns()}-tags`;
    await call(app, "PUT", `/cache/${n}/a`, { body: { value: 1, tags: ["red"] } });
    await call(app, "PUT", `/cache/${n}/b`, { body: { value: 2, tags: ["red", "blue"] } });
    await call(app, "PUT", `/cache/${n}/c`, { body: { value: 3, tags: ["blue"] } });
    const res = await call(app, "POST", `/cache/${n}/invalidate`, { body: { tag: "red" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ deleted: 2 });
    expect((await call(app, "GET", `/cache/${n}/a`)).status).toBe(404);
    expect((await call(app, "GET", `/cache/${n}/b`)).status).toBe(404);
    expect((await call(app, "GET", `/cache/${n}/c`)).json).toEqual({ value: 3 });
  });

  it("invalidate { keys } deletes those keys in one call and counts the ones that existed", async () => {
    const app = makeApp(t.client);
    const n = `${ns()}-keys`;
    await call(app, "PUT", `/cache/${n}/a`, { body: { value: 1 } });
    await call(app, "PUT", `/cache/${n}/b`, { body: { value: 2 } });
    await call(app, "PUT", `/cache/${n}/c`, { body: { value: 3 } });
    const res = await call(app, "POST", `/cache/${n}/invalidate`, {
      body: { keys: ["a", "b", "b", "nope"] },
    });
    expect(res.json).toEqual({ deleted: 2 });
    expect((await call(app, "GET", `/cache/${n}/c`)).json).toEqual({ value: 3 });
    expect((await call(app, "GET", `/cache/${n}/a`)).status).toBe(404);
  });

  it("invalidate needs exactly one of tag and keys (400 naming the rule)", async () => {
    const app = makeApp(t.client);
    for (const body of [{}, { tag: "x", keys: ["a"] }, { keys: [] }, { tag: "{x}" }]) {
      const res = await call(app, "POST", `/cache/${ns()}/invalidate`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe("bad_request");
    }
  });

  it("keys with URL-encoded characters round-trip (a slash inside the key)", async () => {
    const app = makeApp(t.client);
    const key = encodeURIComponent("a/b c");
    await call(app, "PUT", `/cache/${ns()}/${key}`, { body: { value: "slash" } });
    expect((await call(app, "GET", `/cache/${ns()}/${key}`)).json).toEqual({ value: "slash" });
    expect(await t.client.cache.get("a/b c", { namespace: ns() })).toBe("slash");
  });
});
