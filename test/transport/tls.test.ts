/**
 * TLS over TCP against a real redis-server started with TLS (`--tls-port`, client certificates
 * required), with certificates made by openssl for this run: PEM text or file paths (the seeds'
 * `ssl_ca_certs_file`, `ssl_certfile`, `ssl_keyfile`, key passphrase), and every mistake that
 * should be a ConfigError naming the field when the client is created, not a handshake failing
 * while the client reconnects.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, createClient, type RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { freePort } from "../helpers/free-port.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const PASSPHRASE = "client-key-passphrase-42";

let dir: string;
let redis: RunningRedis;
let tlsPort: number;
const file = (name: string) => join(dir, name);
const text = (name: string) => readFileSync(file(name), "utf8");

function openssl(...args: string[]): void {
  const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "redge-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
  openssl(
    "req",
    "-x509",
    "-new",
    "-nodes",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=redge test CA",
  );
  writeFileSync(file("server.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    "req",
    "-new",
    "-nodes",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  // The client's key is encrypted: it needs the passphrase.
  openssl(
    "req",
    "-new",
    ...ec,
    "-keyout",
    "client.key",
    "-passout",
    `pass:${PASSPHRASE}`,
    "-out",
    "client.csr",
    "-subj",
    "/CN=redge client",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "client.crt",
    "-days",
    "2",
  );
  // A second, unrelated key, to pair wrongly.
  openssl(
    "req",
    "-new",
    "-nodes",
    ...ec,
    "-keyout",
    "other.key",
    "-out",
    "other.csr",
    "-subj",
    "/CN=other",
  );
  tlsPort = await freePort();
  // The plain port is only for the helper's readiness check; the tests use the TLS port.
  redis = await startRedisServer({
    args: [
      "--tls-port",
      String(tlsPort),
      "--tls-cert-file",
      file("server.crt"),
      "--tls-key-file",
      file("server.key"),
      "--tls-ca-cert-file",
      file("ca.crt"),
      "--tls-auth-clients",
      "yes",
    ],
  });
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(client: RedgeClient): Promise<void> {
  try {
    expect(await client.command(["SET", "tls:k", "over tls"])).toBe("OK");
    expect(await client.command(["GET", "tls:k"])).toBe("over tls");
    expect(await client.health()).toMatchObject({ ok: true });
  } finally {
    await client.close();
  }
}

const at = { host: "127.0.0.1", connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 };

function configIssues(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).not.toContain(PASSPHRASE);
    expect(message).not.toContain("PRIVATE KEY-----\n");
    return Object.fromEntries((error as ConfigError).issues.map((i) => [i.path, i.message]));
  }
  throw new Error("no ConfigError");
}

describe("TLS with a real redis-server (--tls-port, client certificates required)", () => {
  it("connects with file paths: caFile, certFile, keyFile and the key's passphrase", async () => {
    await roundTrip(
      createNodeClient({
        ...at,
        port: tlsPort,
        tls: {
          caFile: file("ca.crt"),
          certFile: file("client.crt"),
          keyFile: file("client.key"),
          passphrase: PASSPHRASE,
        },
      }),
    );
  });

  it("connects with the same as PEM text, and by rediss:// url", async () => {
    const tls = {
      ca: text("ca.crt"),
      cert: text("client.crt"),
      key: text("client.key"),
      passphrase: PASSPHRASE,
    };
    await roundTrip(createNodeClient({ ...at, port: tlsPort, tls }));
    await roundTrip(
      createNodeClient({ ...at, host: undefined, url: `rediss://127.0.0.1:${tlsPort}`, tls }),
    );
  });

  it("is refused by the server without a client certificate (mutual TLS is really on)", async () => {
    const client = createNodeClient({
      ...at,
      port: tlsPort,
      retry: { retries: 0 },
      tls: { caFile: file("ca.crt") },
    });
    try {
      const error = await client.command(["PING"]).catch((e: unknown) => e);
      expect(["connection", "timeout"]).toContain((error as { code?: string }).code);
    } finally {
      await client.close();
    }
  });

  it("PEM in the wrong field, or a file with the wrong content, fails at config time naming the field", () => {
    const tcp = (tls: Record<string, unknown>) => () =>
      createNodeClient({ ...at, port: tlsPort, tls } as never);
    // PEM text where a path belongs, and a path where PEM text belongs.
    expect(configIssues(tcp({ caFile: text("ca.crt") }))).toEqual({
      "tls.caFile": expect.stringMatching(/PEM text, not a file path.*tls\.ca/),
    });
    expect(configIssues(tcp({ ca: file("ca.crt") }))).toEqual({
      "tls.ca": expect.stringMatching(/must be PEM text.*tls\.caFile/),
    });
    // A certificate in the key field, a key in the certificate field.
    expect(configIssues(tcp({ cert: text("client.crt"), key: text("client.crt") }))).toMatchObject({
      "tls.key": expect.stringMatching(/holds a certificate, not a private key/),
    });
    expect(configIssues(tcp({ cert: text("client.key"), key: text("client.key") }))).toMatchObject({
      "tls.cert": expect.stringMatching(/holds a private key/),
    });
    // Files are read when the client is created; their content is checked the same way.
    expect(configIssues(tcp({ caFile: file("client.key") }))).toEqual({
      "tls.caFile": expect.stringMatching(/the file holds a private key/),
    });
    expect(
      configIssues(tcp({ certFile: file("client.crt"), keyFile: file("missing.key") })),
    ).toEqual({
      "tls.keyFile": "cannot be read (ENOENT)",
    });
    // The passphrase: missing, or wrong, for an encrypted key.
    expect(
      configIssues(tcp({ certFile: file("client.crt"), keyFile: file("client.key") })),
    ).toEqual({
      "tls.passphrase": expect.stringMatching(/required.*tls\.keyFile is encrypted/),
    });
    expect(
      configIssues(
        tcp({ certFile: file("client.crt"), keyFile: file("client.key"), passphrase: "wrong-one" }),
      ),
    ).toEqual({ "tls.passphrase": "does not decrypt tls.keyFile" });
    // A key that is not the certificate's.
    expect(configIssues(tcp({ certFile: file("client.crt"), keyFile: file("other.key") }))).toEqual(
      {
        "tls.keyFile": expect.stringMatching(/not the key of tls\.certFile/),
      },
    );
    // Both forms of one field.
    expect(configIssues(tcp({ ca: text("ca.crt"), caFile: file("ca.crt") }))).toMatchObject({
      "tls.caFile": expect.stringMatching(/cannot be combined with tls\.ca/),
    });
  });

  it("the edge entry refuses file paths with a clear ConfigError (only Node reads files)", () => {
    expect(
      configIssues(() =>
        createClient({
          url: "https://example.upstash.io",
          token: "t",
          tls: { caFile: file("ca.crt") },
        } as never),
      ),
    ).toEqual({
      "tls.caFile": expect.stringMatching(/file path, which only Node can read.*redge\/node/),
    });
  });
});
