/**
 * The layers of redge, checked on every CI run (npm run lint:deps). Type-only imports count too:
 * a type that points up ties the layers together as much as a value does.
 *
 *   core  <-  config, security, web  <-  transport  <-  capabilities  <-  client  <-  entries
 *                                                                         <-  gateway, worker (app), cli
 *
 * core: src/core (imports nothing else of redge). capabilities: src/priority, streams, cache,
 * dict, subjects, ratelimit (core only, never each other). entries: src/index.ts, node.ts, create-client.ts.
 * worker/ is the Hono app and its platform adapters; cli/ is the `redge` command, the roof: it
 * may use src/ and worker/, and nothing imports it.
 */
const CAPABILITIES = "^src/(priority|streams|cache|dict|subjects|ratelimit)/";
const BELOW_TRANSPORT = "^src/(core|config|security|web)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-core-only",
      severity: "error",
      comment: "src/core is the floor: it imports nothing else of redge.",
      from: { path: "^src/core/" },
      to: { path: "^(src|worker|cli)/", pathNot: "^src/core/" },
    },
    {
      name: "config-security-web-above-core-only",
      severity: "error",
      from: { path: "^src/(config|security|web)/" },
      to: { path: "^(src|worker|cli)/", pathNot: "^src/(core|config|security|web)/" },
    },
    {
      name: "transport-below-capabilities",
      severity: "error",
      comment:
        "A transport implements the command port; it knows no capability, client or gateway.",
      from: { path: "^src/transport/" },
      to: { path: "^(src|worker|cli)/", pathNot: `${BELOW_TRANSPORT}|^src/transport/` },
    },
    {
      name: "capability-imports-core-only",
      severity: "error",
      comment:
        "A capability imports the core, never a transport, the client or another capability.",
      from: { path: `${CAPABILITIES}` },
      to: { path: "^(src|worker|cli)/", pathNot: "^src/core/|^src/$1/" },
    },
    {
      name: "src-never-imports-worker-or-cli",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(worker|cli)/" },
    },
    {
      name: "nothing-imports-the-cli",
      severity: "error",
      from: { path: "^(src|worker)/" },
      to: { path: "^cli/" },
    },
    {
      name: "app-uses-public-entries",
      severity: "error",
      comment: "The app reaches redge through its entries and capability index.ts files only.",
      from: { path: "^worker/" },
      to: {
        path: "^src/",
        pathNot:
          "^src/(index|node|client|create-client)\\.ts$|^src/[a-z-]+/index\\.ts$|^src/core/|^src/web/|^src/security/",
      },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules|\\.test\\.ts$|^test/|^bench/|^scripts/" },
  },
};
