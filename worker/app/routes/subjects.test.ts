import { expect, it } from "vitest";
import { describeTransports } from "../../../test/contract/transports.js";
import { call, makeApp } from "../../../test/helpers/app.js";

describeTransports("app: subject routes", (t) => {
  const subject = (name: string) => encodeURIComponent(t.key(`subject|${name}`));

  it("GET of an unknown subject is empty props and ext (a subject always exists in KRules)", async () => {
    const res = await call(makeApp(t.client), "GET", `/subjects/${subject("nobody")}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ props: {}, ext: {} });
  });

  it("PATCH sets and deletes atomically and answers the whole subject; the KRules layout holds", async () => {
    const app = makeApp(t.client);
    const s = subject("patch");
    const first = await call(app, "PATCH", `/subjects/${s}`, {
      body: { set: { name: "Ada", n: 1, gone: true }, setExt: { meta: { a: [1] } } },
    });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      props: { name: "Ada", n: 1, gone: true },
      ext: { meta: { a: [1] } },
    });
    const second = await call(app, "PATCH", `/subjects/${s}`, {
      body: { set: { n: 2 }, delete: ["gone"], deleteExt: ["meta"] },
    });
    expect(second.json).toEqual({ props: { name: "Ada", n: 2 }, ext: {} });
    expect((await call(app, "GET", `/subjects/${s}`)).json).toEqual(second.json);
    // The KRules layout: s:<subject>, field p<name>, JSON text.
    const raw = await t.client.command(["HGET", `s:${decodeURIComponent(s)}`, "pname"]);
    expect(raw).toBe('"Ada"');
  });

  it("PATCH that sets and deletes the same property is 400 and writes nothing", async () => {
    const app = makeApp(t.client);
    const s = subject("both");
    const res = await call(app, "PATCH", `/subjects/${s}`, {
      body: { set: { a: 1, b: 2 }, delete: ["a"] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe("changes.delete.0");
    expect((await call(app, "GET", `/subjects/${s}`)).json).toEqual({ props: {}, ext: {} });
  });

  it("incr adds atomically and reports the exact old value (floats too)", async () => {
    const app = makeApp(t.client);
    const s = subject("incr");
    const path = `/subjects/${s}/props/visits/incr`;
    expect((await call(app, "POST", path, { body: {} })).json).toEqual({ value: 1, old: 0 });
    expect((await call(app, "POST", path, { body: { by: 41 } })).json).toEqual({
      value: 42,
      old: 1,
    });
    await call(app, "PATCH", `/subjects/${s}`, { body: { set: { f: 0.1 } } });
    const float = await call(app, "POST", `/subjects/${s}/props/f/incr`, { body: { by: 0.2 } });
    expect(float.json).toEqual({ value: 0.1 + 0.2, old: 0.1 });
    const ext = await call(app, "POST", path, { body: { by: 5, extended: true } });
    expect(ext.json).toEqual({ value: 5, old: 0 });
    expect((await call(app, "GET", `/subjects/${s}`)).json).toEqual({
      props: { visits: 42, f: 0.1 + 0.2 },
      ext: { visits: 5 },
    });
  });

  it("concurrent incr requests lose no update", async () => {
    const app = makeApp(t.client);
    const s = subject("race");
    const path = `/subjects/${s}/props/n/incr`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call(app, "POST", path, { body: { by: 1 } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => a.json.value).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it("incr on a property that is not a number is 409 and changes nothing", async () => {
    const app = makeApp(t.client);
    const s = subject("text");
    await call(app, "PATCH", `/subjects/${s}`, { body: { set: { name: "Ada" } } });
    const res = await call(app, "POST", `/subjects/${s}/props/name/incr`, { body: { by: 1 } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.message).toContain("not hold a JSON number");
    expect((await call(app, "GET", `/subjects/${s}`)).json.props).toEqual({ name: "Ada" });
  });

  it("a stored value that is not JSON is 409 on GET, never a 500", async () => {
    const app = makeApp(t.client);
    const s = subject("broken");
    await t.client.command(["HSET", `s:${decodeURIComponent(s)}`, "pbad", "{not json"]);
    const res = await call(app, "GET", `/subjects/${s}`);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain("not hold valid JSON");
  });

  it("DELETE flushes the subject", async () => {
    const app = makeApp(t.client);
    const s = subject("flush");
    await call(app, "PATCH", `/subjects/${s}`, { body: { set: { a: 1 } } });
    expect((await call(app, "DELETE", `/subjects/${s}`)).json).toEqual({ deleted: true });
    expect((await call(app, "DELETE", `/subjects/${s}`)).json).toEqual({ deleted: false });
    expect((await call(app, "GET", `/subjects/${s}`)).json).toEqual({ props: {}, ext: {} });
  });
});
