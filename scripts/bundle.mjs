/**
 * Bundles the command line into one file, dist/src/cli/tierjit.bundle.js, after `tsc` has
 * written dist/. Node loads ES modules one at a time (resolve, read, compile, link): the
 * command's ~95 modules took ~120 ms of every run's start, one file takes ~57 ms
 * (docs/benchmarks.md, Session 14). bin/tierjit.js runs the bundle; tests import the
 * modules themselves, and the compile workers start from dist/src/engine/worker.js.
 *
 * The bundle sits in dist/src/cli/, beside the modules it is made from, so that the paths
 * they find from `import.meta.url` (src/cli/paths.ts, src/engine/pool.ts) hold in both.
 * Binaryen stays outside (loaded when Tier 2 needs it); commander and cli-progress are
 * CommonJS and `require` Node's own modules, hence the `require` the banner makes.
 *
 *   node scripts/bundle.mjs
 */
import { buildSync } from "esbuild";

buildSync({
  entryPoints: ["dist/src/cli/main.js"],
  outfile: "dist/src/cli/tierjit.bundle.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["binaryen"],
  banner: {
    js: 'import { createRequire as tierjitCreateRequire } from "node:module";\nconst require = tierjitCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
