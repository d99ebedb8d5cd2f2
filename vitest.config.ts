import { configDefaults, defineConfig } from "vitest/config";

const ALL = ["src/**/*.test.ts", "test/**/*.test.ts", "worker/**/*.test.ts", "cli/**/*.test.ts"];

/**
 * Tests that need no Redis and start no server: pure functions, schemas, bundles and the package's
 * own files. `npm run test:unit` runs only these (seconds, no redis-server needed). Every other
 * test file is an integration test, so a file missing here (a new or moved unit test) still runs,
 * in the integration project.
 */
const UNIT = [
  "src/config/**/*.test.ts",
  "src/security/**/*.test.ts",
  "src/cache/{canonical,codec,conditions,params,poll}.test.ts",
  "src/core/**/*.test.ts",
  "src/gateway/{auth,encoding,json-exact,options,request}.test.ts",
  "src/gateway/pubsub/*.test.ts",
  "src/priority/codec.test.ts",
  "src/transport/ioredis/{errors,sentinel}.test.ts",
  "src/transport/pubsub/*.test.ts",
  "test/docs/*.test.ts",
  "test/bundle/*.test.ts",
  "test/ha/config.test.ts",
  "test/lua-generated.test.ts",
  "test/worker/{bundle,env}.test.ts",
  "worker/app/edge-safe.test.ts",
  "worker/app/routes/docs.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: one worker per core keeps timing-sensitive tests honest. One pool serves both
    // projects, so this bounds the whole run, not each project.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: "forks",
    projects: [
      {
        extends: true,
        test: { name: "unit", include: UNIT },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ALL,
          exclude: [...configDefaults.exclude, ...UNIT],
          // One real redis-server for the project's whole run (see the file).
          globalSetup: ["test/global-setup.ts"],
        },
      },
    ],
  },
});
