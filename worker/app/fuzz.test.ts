/**
 * Fuzz: thousands of random malformed requests (bad JSON, wrong types, huge numbers, NaN and
 * Infinity, names with braces and control characters, oversized bodies, wrong methods, wrong
 * content types) see only 4xx answers in the error shape, never a 5xx, and write no key.
 *
 * Every generated request carries at least one defect, so every one must be refused. TCP only:
 * the requests are refused before any Redis call, whatever the transport.
 */
import fc from "fast-check";
import { afterAll, expect, inject, it } from "vitest";
import { createNodeClient } from "../../src/node.js";
import { call, keysUnderPrefix, READ_TOKEN, TOKEN } from "../../test/helpers/app.js";
import { createApp } from "./index.js";

const RUNS = 2_500;
const MAX_BODY = 2_048;

type Kind =
  | "num"
  | "posInt"
  | "nonNegInt"
  | "bool"
  | "name"
  | "names"
  | "props"
  | "record"
  | "ifExists"
  | "gate"
  | "ackIds"
  | "items"
  | "streamIds";

/** A raw JSON fragment (text), so values JSON.stringify cannot write (1e400) can be sent. */
const INVALID: Record<Kind, string[]> = {
  num: ["1e400", "-1e400", '"NaN"', '"Infinity"', '"1"', "null", "true", "[]", "{}"],
  posInt: ["1.5", "-1", "0", "1e400", "18446744073709551616", '"5"', "null", "[1]", "NaN"],
  nonNegInt: ["1.5", "-1", "1e400", "18446744073709551616", '"5"', "null", "{}"],
  bool: ['"true"', "1", "null", '"yes"', "[]"],
  name: [
    '""',
    '"a{b"',
    '"}"',
    '"x\\u0001"',
    '"x\\u007f"',
    `"${"y".repeat(600)}"`,
    "5",
    "null",
    "{}",
  ],
  names: ['"abc"', '[""]', '["{x}"]', "[1]", "[null]", '["a\\u0000"]', "{}"],
  // Property names are hash fields, not key parts: braces are allowed there.
  props: ['"abc"', '[""]', "[1]", "[null]", '["a\\u0000"]', "{}"],
  record: ["[]", '"x"', "5", '{"bad\\u0001":1}', '{"":1}', "null"],
  ifExists: ['"merge"', "1", "null"],
  gate: ['"NaN"', "1e400", '"1"', "true", "[]"],
  ackIds: ['[{"id":"x"}]', '[{"id":"x","leasedUntil":-1}]', '[""]', "[{}]", '"x"', '["{a}"]'],
  items: [
    "[{}]",
    '[{"id":"a","data":1}]',
    '[{"id":"a","data":1,"priority":"1"}]',
    '[{"id":"a","data":1,"priority":1e400}]',
    '[{"id":"{x}","data":1,"priority":1}]',
    '[{"id":"a","data":1,"priority":1,"extra":true}]',
    "[]",
    "{}",
  ],
  streamIds: ['["abc"]', '["1-"]', "[1]", '["-1-0"]', '"1-0"', "[]"],
};

interface Spec {
  method: string;
  /** `{name}` placeholders; `prop` accepts braces (it is a hash field, not a key part). */
  path: string;
  /** A valid body, as field → raw JSON, and each field's kind (for invalid replacements). */
  body?: Record<string, [string, Kind | "json"]>;
}

const SPECS: Spec[] = [
  { method: "GET", path: "/cache/{ns}/{key}" },
  {
    method: "PUT",
    path: "/cache/{ns}/{key}",
    body: { value: ['{"a":1}', "json"], ttlMs: ["1000", "posInt"], tags: ['["t"]', "names"] },
  },
  { method: "DELETE", path: "/cache/{ns}/{key}" },
  { method: "POST", path: "/cache/{ns}/invalidate", body: { tag: ['"t"', "name"] } },
  { method: "POST", path: "/cache/{ns}/invalidate", body: { keys: ['["a"]', "names"] } },
  { method: "GET", path: "/subjects/{subject}" },
  {
    method: "PATCH",
    path: "/subjects/{subject}",
    body: {
      set: ['{"a":1}', "record"],
      setExt: ['{"b":2}', "record"],
      delete: ['["c"]', "props"],
    },
  },
  {
    method: "POST",
    path: "/subjects/{subject}/props/{prop}/incr",
    body: { by: ["2", "num"], extended: ["false", "bool"] },
  },
  { method: "DELETE", path: "/subjects/{subject}" },
  { method: "GET", path: "/queues/{queue}" },
  {
    method: "POST",
    path: "/queues/{queue}/items",
    body: {
      items: ['[{"id":"a","data":1,"priority":1}]', "items"],
      ifExists: ['"keep"', "ifExists"],
    },
  },
  {
    method: "POST",
    path: "/queues/{queue}/pull",
    body: { count: ["2", "posInt"], purge: ["false", "bool"], gate: ["true", "bool"] },
  },
  {
    method: "POST",
    path: "/queues/{queue}/pull",
    body: { leaseMs: ["1000", "posInt"], purge: ["false", "bool"] },
  },
  { method: "POST", path: "/queues/{queue}/ack", body: { ids: ['["a"]', "ackIds"] } },
  {
    method: "POST",
    path: "/queues/{queue}/items/{id}/increment",
    body: { delta: ["1", "num"] },
  },
  { method: "POST", path: "/queues/{queue}/decrement", body: { delta: ["1", "num"] } },
  {
    method: "POST",
    path: "/queues/{queue}/delete-below",
    body: { threshold: ["0", "num"], inclusive: ["true", "bool"] },
  },
  {
    method: "POST",
    path: "/queues/{queue}/expired",
    body: { ttlMs: ["1000", "posInt"], purge: ["true", "bool"], limit: ["5", "posInt"] },
  },
  { method: "PUT", path: "/queues/{queue}/gate", body: { value: ["3", "gate"] } },
  {
    method: "POST",
    path: "/streams/{stream}/messages",
    body: { messages: ["[1]", "json"], maxLen: ["10", "posInt"] },
  },
  {
    method: "POST",
    path: "/streams/{stream}/groups/{group}/receive",
    body: {
      consumer: ['"c"', "name"],
      count: ["2", "posInt"],
      blockMs: ["0", "nonNegInt"],
      claimIdleMs: ["1000", "posInt"],
    },
  },
  {
    method: "POST",
    path: "/streams/{stream}/groups/{group}/ack",
    body: { ids: ['["1-0"]', "streamIds"] },
  },
];

const VALID_NAME = "fuzz-name";
const BAD_KEY_PART = ["{x}", "a}b", "{", "\u0001x", "x\u007f", "\n", "z".repeat(700)];
const BAD_PROP = ["\u0001x", "x\u007f", "\t", "p".repeat(600)];

interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  raw?: string;
  headers?: Record<string, string>;
  token: string;
}

function fill(path: string, bad?: { slot: string; value: string }): string {
  return path.replace(/\{(\w+)\}/g, (_m, slot: string) =>
    encodeURIComponent(bad && slot === bad.slot ? bad.value : VALID_NAME),
  );
}

function bodyText(fields: Record<string, string>): string {
  return `{${Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(",")}}`;
}

function validFields(spec: Spec): Record<string, string> {
  return Object.fromEntries(Object.entries(spec.body ?? {}).map(([k, [v]]) => [k, v]));
}

const specArb = fc.constantFrom(...SPECS);
const tokenArb = fc.constantFrom(TOKEN, TOKEN, TOKEN, READ_TOKEN);
const junkJson = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("{", "}", '{"a":', "[1,", "{a:1}", "NaN", "Infinity", "{'a':1}", '{"a":1}}', ""),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
);

/** A bad name in one key-forming path slot. */
const badParam = fc
  .tuple(
    specArb,
    fc.nat(),
    fc.constantFrom(...BAD_KEY_PART),
    fc.constantFrom(...BAD_PROP),
    tokenArb,
  )
  .map(([spec, n, badKey, badProp, token]): FuzzRequest => {
    const slots = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const slot = slots[n % slots.length]!;
    return {
      label: "bad param",
      method: spec.method,
      path: fill(spec.path, { slot, value: slot === "prop" ? badProp : badKey }),
      ...(spec.body ? { raw: bodyText(validFields(spec)) } : {}),
      token,
    };
  });

const withBody = SPECS.filter((s) => s.body);
const bodySpecArb = fc.constantFrom(...withBody);

/** One field replaced by a value invalid for its kind. */
const badField = fc
  .tuple(bodySpecArb, fc.nat(), fc.nat(), tokenArb)
  .filter(([spec]) => Object.values(spec.body!).some(([, kind]) => kind !== "json"))
  .map(([spec, f, v, token]): FuzzRequest => {
    const fields = Object.entries(spec.body!).filter(([, [, kind]]) => kind !== "json");
    const [field, [, kind]] = fields[f % fields.length]!;
    const choices = INVALID[kind as Kind];
    const body = { ...validFields(spec), [field]: choices[v % choices.length]! };
    return {
      label: `bad ${field}`,
      method: spec.method,
      path: fill(spec.path),
      raw: bodyText(body),
      token,
    };
  });

/** An unknown extra field (every body is a strict object). */
const extraField = fc
  .tuple(bodySpecArb, fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue(), tokenArb)
  .filter(([spec, key]) => !(key in spec.body!))
  .map(
    ([spec, key, value, token]): FuzzRequest => ({
      label: "extra field",
      method: spec.method,
      path: fill(spec.path),
      raw: bodyText({
        ...validFields(spec),
        [JSON.stringify(key).slice(1, -1)]: JSON.stringify(value),
      }),
      token,
    }),
  );

/** Not JSON at all, or JSON of the wrong top-level type. */
const badBody = fc
  .tuple(
    bodySpecArb,
    fc.oneof(junkJson, fc.constantFrom("[]", "[1,2]", '"text"', "42", "null", "true", "1e400")),
    tokenArb,
  )
  .filter(([, raw]) => {
    try {
      const v = JSON.parse(raw);
      return typeof v !== "object" || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  })
  .map(
    ([spec, raw, token]): FuzzRequest => ({
      label: "bad body",
      method: spec.method,
      path: fill(spec.path),
      raw,
      token,
    }),
  );

/** Bigger than maxBodyBytes (valid JSON otherwise). */
const oversized = fc
  .tuple(bodySpecArb, fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 8 }), tokenArb)
  .map(([spec, size, token]): FuzzRequest => {
    const fields = validFields(spec);
    const pad = Math.max(0, size - bodyText(fields).length - 10);
    return {
      label: "oversized",
      method: spec.method,
      path: fill(spec.path),
      raw: bodyText({ ...fields, pad: JSON.stringify("x".repeat(pad)) }),
      token,
    };
  });

/** Whether some route serves `method` on `path` (e.g. `/cache/x/invalidate` is also a key). */
function served(method: string, path: string): boolean {
  return SPECS.some(
    (s) => s.method === method && new RegExp(`^${s.path.replace(/\{\w+\}/g, "[^/]+")}$`).test(path),
  );
}

/** A method the path does not serve. */
const wrongMethod = fc
  .tuple(specArb, fc.constantFrom("GET", "PUT", "POST", "PATCH", "DELETE"), tokenArb)
  .filter(([spec, method]) => !served(method, fill(spec.path)))
  .map(
    ([spec, method, token]): FuzzRequest => ({
      label: "wrong method",
      method,
      path: fill(spec.path),
      ...(method !== "GET" ? { raw: bodyText(validFields(spec)) } : {}),
      token,
    }),
  );

/** A body in another media type. */
const wrongType = fc
  .tuple(
    bodySpecArb,
    fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/xml"),
    tokenArb,
  )
  .map(
    ([spec, type, token]): FuzzRequest => ({
      label: "content type",
      method: spec.method,
      path: fill(spec.path),
      raw: bodyText(validFields(spec)),
      headers: { "content-type": type },
      token,
    }),
  );

const requestArb = fc.oneof(
  badParam,
  badField,
  extraField,
  badBody,
  oversized,
  wrongMethod,
  wrongType,
);

const client = createNodeClient({
  url: inject("redisUrl"),
  keyPrefix: `fuzz:${Math.random().toString(36).slice(2, 10)}:`,
});
afterAll(() => client.close());

it(`${RUNS} random malformed requests: only 4xx in the error shape, nothing written`, async () => {
  const errors: unknown[] = [];
  const app = createApp({
    client,
    tokens: [TOKEN],
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: MAX_BODY,
    onError: (e) => errors.push(e),
  });
  const statuses = new Map<number, number>();
  expect(await keysUnderPrefix(client)).toEqual([]);
  await fc.assert(
    fc.asyncProperty(requestArb, async (req) => {
      const res = await call(app, req.method, req.path, {
        token: req.token,
        ...(req.raw !== undefined ? { raw: req.raw } : {}),
        ...(req.headers ? { headers: req.headers } : {}),
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(
        res.status,
        `${req.label}: ${req.method} ${req.path} ${req.raw?.slice(0, 200)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(
        res.status,
        `${req.label}: ${req.method} ${req.path} ${req.raw?.slice(0, 200)} → ${res.text}`,
      ).toBeLessThan(500);
      expect(typeof res.json?.error?.code).toBe("string");
      expect(typeof res.json?.error?.message).toBe("string");
      expect(res.text).not.toContain(TOKEN);
    }),
    { numRuns: RUNS },
  );
  expect(errors).toEqual([]);
  expect(await keysUnderPrefix(client)).toEqual([]);
  // The fuzz reached every refusal it is meant to: 400, 403, 405, 413 and 415.
  for (const status of [400, 403, 405, 413, 415])
    expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
}, 60_000);
