/**
 * Where the package's files are, for the command line. The command runs as one bundled
 * file, dist/src/cli/tierjit.bundle.js (scripts/bundle.mjs), and tests import the modules
 * as tsc writes them, dist/src/cli/*.js: `import.meta.url` is then one or the other, both
 * in dist/src/cli/. So every path the command finds from its own location is made here,
 * at that depth, and not in a module below it (the bench's, in dist/src/cli/bench/).
 */
import { fileURLToPath } from "node:url";

/** The package's root directory (where package.json is), as a file URL ending in `/`. */
const PACKAGE_ROOT = new URL("../../../", import.meta.url);

/** A path below the package root, e.g. "bench/programs/". */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(relative, PACKAGE_ROOT));
}
