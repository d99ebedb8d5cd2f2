/**
 * Every ```ts block of the documentation (README.md, docs/*.md, src/<capability>/README.md) is
 * type-checked against the package's real types, so an example cannot drift from the code.
 *
 * Each block becomes a module of its own in a temporary folder; one global prelude declares the
 * free variables examples use (`client`, `env`, ...). The package's names (`redge`,
 * `redge/node`, ...) resolve to the source files package.json's "exports" compile from, so the
 * check follows a moved entry. One program holds every block (a few seconds); a block whose
 * fence says ```ts skip is left out. A failing block fails with its file, the block's line and
 * the compiler's message.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

interface Block {
  /** Markdown file, relative to the repository. */
  file: string;
  /** Line of the block's first code line in that file (1-based). */
  line: number;
  code: string;
}

/** The markdown files whose examples are checked. */
function documentationFiles(): string[] {
  const md = (dir: string) =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith(".md"))
      .map((name) => join(dir, name));
  const capabilityReadmes = readdirSync(join(root, "src"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join("src", entry.name, "README.md"))
    .filter((path) => existsSync(join(root, path)));
  return ["README.md", ...md("docs"), ...capabilityReadmes];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/;

/** The ```ts / ```typescript blocks of one markdown file, `skip` ones left out. */
function extractBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const match = FENCE.exec(lines[index]!);
    if (!match) continue;
    const [, , fence, lang, info] = match as unknown as [string, string, string, string, string];
    const start = index + 1;
    const body: string[] = [];
    // The block ends at a line holding only a fence at least as long, of the same character.
    for (index++; index < lines.length; index++) {
      const line = lines[index]!.trim();
      if (line.startsWith(fence) && line.replace(/[`~]/g, "") === "") break;
      body.push(lines[index]!);
    }
    if (index >= lines.length) throw new Error(`${file}:${start}: a code block is never closed`);
    const checked =
      (lang.toLowerCase() === "ts" || lang.toLowerCase() === "typescript") &&
      info.trim() !== "skip";
    if (checked) blocks.push({ file, line: start + 1, code: body.join("\n") });
  }
  return blocks;
}

/** `redge`, `redge/node`, ... → the source file each export's build output comes from. */
function packagePaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | { import: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === "string") continue;
    const source = target.import.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts");
    const name = subpath === "." ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, "")}`;
    paths[name] = [join(root, source)];
  }
  return paths;
}

/** Free variables the examples use without declaring them. */
const PRELUDE = `
type RedgeClient = import("redge").RedgeClient;
declare const client: RedgeClient;
declare const redis: RedgeClient;
declare const env: Record<string, string>;
declare const signal: AbortSignal;
declare const log: { warn(...args: unknown[]): void; info(...args: unknown[]): void };
interface Db { buildReport(reportType: string, day: string): Promise<{ rows: unknown[] }> }
declare const db: Db;
declare const pem: string;
declare const payload: { to: string };
declare const token: string;
declare const sentinels: { host: string; port: number }[];
declare const masterName: string;
declare const nodes: { host: string; port: number }[];
declare function bill(order: unknown): Promise<void>;
`;

function typeCheck(blocks: Block[]): string[] {
  const tmp = mkdtempSync(join(tmpdir(), "redge-doc-examples-"));
  try {
    return typeCheckIn(tmp, blocks);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function typeCheckIn(tmp: string, blocks: Block[]): string[] {
  // Bare imports of the examples (hono, zod, @upstash/redis) resolve from the repository's
  // node_modules, as they would in a project that installed redge.
  symlinkSync(join(root, "node_modules"), join(tmp, "node_modules"), "dir");
  const prelude = join(tmp, "prelude.d.ts");
  writeFileSync(prelude, PRELUDE);
  const files = blocks.map((block, index) => {
    const path = join(tmp, `block-${index}.mts`);
    // `export {}` makes every block a module: its names never clash with another block's.
    writeFileSync(path, `export {};\n${block.code}\n`);
    return path;
  });

  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  if (config.error)
    throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    paths: packagePaths(),
  };
  const program = ts.createProgram({ rootNames: [prelude, ...files], options });

  const problems: string[] = [];
  const report = (diagnostic: ts.Diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const index = diagnostic.file ? files.indexOf(diagnostic.file.fileName) : -1;
    if (index < 0 || !diagnostic.file || diagnostic.start === undefined) {
      problems.push(
        `${diagnostic.file?.fileName ?? "(program)"}: TS${diagnostic.code}: ${message}`,
      );
      return;
    }
    const block = blocks[index]!;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    // Line 0 of the module is the added `export {}`.
    problems.push(
      `${block.file}:${block.line + line - 1} (block at line ${block.line}): TS${diagnostic.code}: ${message}`,
    );
  };
  program.getOptionsDiagnostics().forEach(report);
  program.getGlobalDiagnostics().forEach(report);
  for (const path of [prelude, ...files]) {
    const source = program.getSourceFile(path);
    if (!source) {
      problems.push(`${path}: not part of the program`);
      continue;
    }
    program.getSyntacticDiagnostics(source).forEach(report);
    program.getSemanticDiagnostics(source).forEach(report);
  }
  return problems;
}

describe("documentation examples", () => {
  const blocks = documentationFiles().flatMap((file) =>
    extractBlocks(file, readFileSync(join(root, file), "utf8")),
  );

  it("finds the examples of the README, docs/ and the capability READMEs", () => {
    const files = new Set(blocks.map((block) => block.file));
    expect(files).toContain("README.md");
    expect([...files].some((file) => file.startsWith("docs/"))).toBe(true);
    for (const capability of ["priority", "streams", "cache", "dict", "subjects", "ratelimit"]) {
      expect(files).toContain(join("src", capability, "README.md"));
    }
    expect(blocks.length).toBeGreaterThan(20);
  });

  it("every ts block type-checks against the package's types", () => {
    const problems = typeCheck(blocks);
    expect(problems.join("\n")).toBe("");
  }, 60_000);
});
