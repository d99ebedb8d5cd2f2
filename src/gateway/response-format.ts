/**
 * `Upstash-Response-Format`, as Upstash documents it: `json` (the default) or `resp2` (the raw
 * RESP2 reply as `application/octet-stream`, what a TCP client reads). Any other value is a 400,
 * and so is `resp2` together with `Upstash-Encoding: base64`. `/multi-exec` answers JSON whatever
 * the header says (Upstash: the option does not apply to transactions).
 */
export type ResponseFormat = "json" | "resp2";

export type FormatChoice = { ok: true; format: ResponseFormat } | { ok: false; message: string };

export function responseFormat(header: string | undefined, base64: boolean): FormatChoice {
  const value = header?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "json") return { ok: true, format: "json" };
  if (value !== "resp2") {
    return { ok: false, message: "ERR Upstash-Response-Format must be json or resp2" };
  }
  if (base64) {
    return {
      ok: false,
      message:
        "ERR Upstash-Encoding: base64 cannot be combined with Upstash-Response-Format: resp2",
    };
  }
  return { ok: true, format: "resp2" };
}
