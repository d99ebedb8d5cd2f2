#!/usr/bin/env node
// The `redge` command: runs the compiled CLI (built into dist/ by `npm run build`).
import "../dist/cli/index.js";
