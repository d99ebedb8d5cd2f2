/**
 * Redis' glob matching (`stringmatchlen` in util.c), as PSUBSCRIBE applies it: `*`, `?`, `[abc]`,
 * `[^a-z]`, and `\` escaping the next character. Used to tell where the channel ends in a
 * `pmessage,<pattern>,<channel>,<message>` event when the channel holds commas. Edge-safe.
 */
export function globMatch(pattern: string, text: string): boolean {
  return matchFrom([...pattern], 0, [...text], 0);
}

function matchFrom(p: readonly string[], pi: number, s: readonly string[], si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === "*") {
      while (p[pi + 1] === "*") pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === "?") {
      pi++;
      si++;
      continue;
    }
    if (c === "[") {
      const end = classEnd(p, pi);
      if (!classMatches(p, pi + 1, end, s[si]!)) return false;
      pi = end + 1;
      si++;
      continue;
    }
    const literal = c === "\\" && pi + 1 < p.length ? p[++pi]! : c;
    if (literal !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** Index of the `]` closing the class opened at `start` (or the pattern's last index). */
function classEnd(p: readonly string[], start: number): number {
  let i = start + 1;
  if (p[i] === "^") i++;
  for (; i < p.length; i++) {
    if (p[i] === "\\" && i + 1 < p.length) i++;
    else if (p[i] === "]") return i;
  }
  return p.length - 1;
}

function classMatches(p: readonly string[], from: number, end: number, ch: string): boolean {
  let i = from;
  const negate = p[i] === "^";
  if (negate) i++;
  let found = false;
  for (; i < end; i++) {
    if (p[i] === "\\" && i + 1 < end) {
      if (p[++i] === ch) found = true;
    } else if (p[i + 1] === "-" && i + 2 < end) {
      let lo = p[i]!.codePointAt(0)!;
      let hi = p[i + 2]!.codePointAt(0)!;
      if (lo > hi) [lo, hi] = [hi, lo];
      const code = ch.codePointAt(0)!;
      if (code >= lo && code <= hi) found = true;
      i += 2;
    } else if (p[i] === ch) {
      found = true;
    }
  }
  return negate ? !found : found;
}
