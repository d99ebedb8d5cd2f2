/**
 * Scrubs credentials out of text before it is put in an error message or a log line.
 * Covers `scheme://user:password@host` URLs, `Bearer <token>` and `token=`/`password=` pairs.
 */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]*)@/gi, "$1$2:***@")
    .replace(/([a-z][a-z0-9+.-]*:\/\/):?([^:@/\s]+)@/gi, "$1***@")
    .replace(/(Bearer\s+)[^\s"',]+/gi, "$1***")
    .replace(/((?:token|password|passwd|pass|secret)["']?\s*[=:]\s*["']?)[^\s"',&]+/gi, "$1***");
}
