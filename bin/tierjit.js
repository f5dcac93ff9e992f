#!/usr/bin/env node
// The CLI runs the compiled output in dist/, bundled into one file so that it loads in one
// step (scripts/bundle.mjs): the same code the tests and the workers run.
import { main } from "../dist/src/cli/tierjit.bundle.js";

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    process.stderr.write(
      `tierjit: internal error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 70;
  },
);
