#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, or on demand by scripts/ensure.mjs).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`starling: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
