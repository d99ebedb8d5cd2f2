/**
 * The TLS options of a TCP connection (Node only): PEM text from the config, or read from the
 * files it names (`caFile`, `certFile`, `keyFile`, as STEP's `ssl_ca_certs_file` and good-redis'
 * `ssl_certfile`), checked once, when the client is created, so a mistake is a ConfigError naming
 * the field instead of a TLS handshake failing over and over while the client reconnects:
 * - a file that cannot be read, or whose content belongs in another field (a key as the CA);
 * - a key the passphrase does not decrypt (or an encrypted key without one);
 * - a certificate or key Node cannot parse, or a key that is not the certificate's.
 * Messages name the field, never a key or a passphrase.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { TlsConfig } from "../../config/index.js";
import { ConfigError } from "../../core/errors.js";
import { PEM_FILE_FIELD, type PemField, pemProblem } from "../../core/fields.js";

/** Files are read once per config object, not once per connection. */
const loaded = new WeakMap<TlsConfig, ConnectionOptions>();

/** The options ioredis hands to `tls.connect` for `tls`. @throws ConfigError */
export function tlsConnectOptions(tls: TlsConfig): ConnectionOptions {
  const cached = loaded.get(tls);
  if (cached) return cached;
  const issues: { path: string; message: string }[] = [];
  const pem: Partial<Record<PemField, { text: string; path: string }>> = {};
  for (const field of ["ca", "cert", "key"] as const) {
    const fileField = PEM_FILE_FIELD[field];
    const file = tls[fileField];
    if (file === undefined) {
      const text = tls[field];
      if (text !== undefined) pem[field] = { text, path: `tls.${field}` };
      continue;
    }
    const path = `tls.${fileField}`;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      issues.push({
        path,
        message: `cannot be read (${typeof code === "string" ? code : "error"})`,
      });
      continue;
    }
    const problem = pemProblem(field, text);
    if (problem) issues.push({ path, message: `the file ${problem}` });
    else pem[field] = { text, path };
  }
  if (issues.length === 0) issues.push(...checkKeyPair(pem, tls.passphrase));
  if (issues.length > 0) throw new ConfigError(issues);

  const options: ConnectionOptions = {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(pem.ca ? { ca: pem.ca.text } : {}),
    ...(pem.cert ? { cert: pem.cert.text } : {}),
    ...(pem.key ? { key: pem.key.text } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
  loaded.set(tls, options);
  return options;
}

/** Parses the client certificate and key as TLS will, and checks they belong together. */
function checkKeyPair(
  pem: Partial<Record<PemField, { text: string; path: string }>>,
  passphrase: string | undefined,
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  let certificate: X509Certificate | undefined;
  let key: KeyObject | undefined;
  if (pem.ca) {
    try {
      new X509Certificate(pem.ca.text);
    } catch {
      issues.push({ path: pem.ca.path, message: "is not a certificate Node can read" });
    }
  }
  if (pem.cert) {
    try {
      certificate = new X509Certificate(pem.cert.text);
    } catch {
      issues.push({ path: pem.cert.path, message: "is not a certificate Node can read" });
    }
  }
  if (pem.key) {
    const encrypted =
      /-----BEGIN (ENCRYPTED PRIVATE KEY|[A-Z]+ PRIVATE KEY-----\s*Proc-Type: 4,ENCRYPTED)/.test(
        pem.key.text,
      );
    try {
      key = createPrivateKey(
        passphrase === undefined ? pem.key.text : { key: pem.key.text, passphrase },
      );
    } catch {
      if (encrypted && passphrase === undefined) {
        issues.push({
          path: "tls.passphrase",
          message: `is required: ${pem.key.path} is encrypted`,
        });
      } else if (encrypted) {
        issues.push({ path: "tls.passphrase", message: `does not decrypt ${pem.key.path}` });
      } else {
        issues.push({ path: pem.key.path, message: "is not a private key Node can read" });
      }
    }
  }
  if (certificate && key && !certificate.checkPrivateKey(key)) {
    issues.push({
      path: pem.key?.path ?? "tls.key",
      message: `is not the key of ${pem.cert?.path ?? "tls.cert"} (they do not belong together)`,
    });
  }
  return issues;
}
