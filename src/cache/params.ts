/**
 * The parameter list of a JavaScript function, read from its source (`Function.prototype
 * .toString`), so the seed's `cache_only_for` conditions can name arguments the way Python
 * keyword arguments do: `{ kwarg: "reportType", … }` finds `reportType` in
 * `function report(reportType, day)` (the first argument) or in `({ reportType, day }) => …`
 * (a field of the first argument).
 *
 * Only the parameter list is read: strings, template literals, comments and nested brackets in
 * default values are skipped, never evaluated. When the source says nothing useful (a native or
 * bound function, a class), the result is `undefined`.
 */

/** One parameter: a plain name, an object pattern (its top-level field names), or neither. */
export interface Param {
  /** `a` in `(a)` or `(a = 1)`. */
  name?: string;
  /** The keys of an object pattern: `["a", "b"]` for `({ a, b: alias = 1 })`. */
  fields?: string[];
  /** `...rest`: takes every argument from here on. */
  rest?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;

/** The parameters of `fn`, or `undefined` when its source does not show them. */
export function parameterList(fn: (...args: never[]) => unknown): Param[] | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source) || /^class\b/.test(source)) return undefined;
  const list = parameterSource(source);
  return list === undefined ? undefined : splitTopLevel(list).map(parseParam);
}

/** The text between the parentheses of the parameter list (or the lone arrow parameter). */
function parameterSource(source: string): string | undefined {
  let text = source.trimStart();
  const bareArrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text);
  if (bareArrow) return bareArrow[1];
  // Skip a method's computed or quoted name before looking for "(".
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "[" || c === '"' || c === "'" || c === "`") {
      const end = skip(text, i);
      if (end === undefined) return undefined;
      i = end - 1;
      continue;
    }
    if (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) {
      const end = skip(text, i);
      if (end === undefined) return undefined;
      i = end - 1;
      continue;
    }
    if (c === "(") {
      const end = skip(text, i);
      if (end === undefined) return undefined;
      text = text.slice(i + 1, end - 1);
      return text;
    }
    if (c === "{" || c === "=") return undefined;
  }
  return undefined;
}

/**
 * Where the construct starting at `i` ends (the index after it): a bracketed group, a string, a
 * template literal (with its `${…}` parts) or a comment. `undefined` when it never closes.
 */
function skip(text: string, i: number): number | undefined {
  const c = text[i]!;
  if (c === "/" && text[i + 1] === "/") {
    const end = text.indexOf("\n", i);
    return end === -1 ? text.length : end + 1;
  }
  if (c === "/" && text[i + 1] === "*") {
    const end = text.indexOf("*/", i + 2);
    return end === -1 ? undefined : end + 2;
  }
  if (c === '"' || c === "'") {
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === "\\") j++;
      else if (text[j] === c) return j + 1;
    }
    return undefined;
  }
  if (c === "`") {
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === "\\") j++;
      else if (text[j] === "`") return j + 1;
      else if (text[j] === "$" && text[j + 1] === "{") {
        const end = skip(text, j + 1);
        if (end === undefined) return undefined;
        j = end - 1;
      }
    }
    return undefined;
  }
  const close = c === "(" ? ")" : c === "[" ? "]" : c === "{" ? "}" : undefined;
  if (close === undefined) return i + 1;
  for (let j = i + 1; j < text.length; j++) {
    const d = text[j]!;
    if (d === close) return j + 1;
    if ("([{\"'`".includes(d) || (d === "/" && (text[j + 1] === "/" || text[j + 1] === "*"))) {
      const end = skip(text, j);
      if (end === undefined) return undefined;
      j = end - 1;
    }
  }
  return undefined;
}

/** Splits at commas outside brackets, strings and comments; comments are dropped. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ",") {
      parts.push(current);
      current = "";
      continue;
    }
    if ("([{\"'`".includes(c) || (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*"))) {
      const end = skip(text, i) ?? text.length;
      if (c !== "/") current += text.slice(i, end);
      else current += " ";
      i = end - 1;
      continue;
    }
    current += c;
  }
  parts.push(current);
  const trimmed = parts.map((p) => p.trim());
  // A trailing comma leaves an empty last part.
  if (trimmed.length > 0 && trimmed[trimmed.length - 1] === "") trimmed.pop();
  return trimmed;
}

function parseParam(text: string): Param {
  if (text.startsWith("...")) {
    const name = IDENTIFIER.exec(text.slice(3).trim())?.[0];
    return name ? { name, rest: true } : { rest: true };
  }
  if (text.startsWith("{")) {
    const end = skip(text, 0) ?? text.length;
    return { fields: patternKeys(text.slice(1, end - 1)) };
  }
  if (text.startsWith("[")) return {};
  const name = IDENTIFIER.exec(text)?.[0];
  return name ? { name } : {};
}

/** The top-level keys of an object pattern's body: `a`, `b: x`, `"c-d": y = 1`, `e = 2`. */
function patternKeys(body: string): string[] {
  const keys: string[] = [];
  for (const part of splitTopLevel(body)) {
    if (part.startsWith("...") || part.startsWith("[")) continue;
    const quoted = /^(["'])((?:\\.|(?!\1).)*)\1/.exec(part);
    if (quoted) {
      keys.push(quoted[2]!);
      continue;
    }
    const name = IDENTIFIER.exec(part)?.[0] ?? /^\d+/.exec(part)?.[0];
    if (name) keys.push(name);
  }
  return keys;
}
