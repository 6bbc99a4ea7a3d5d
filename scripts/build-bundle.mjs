#!/usr/bin/env node
/**
 * Bundles the drydock command (src/cli/main.ts and everything the server loads) into one ES module,
 * dist/drydock.mjs, which package.json's `bin` points at: Node then loads one file instead of
 * hundreds, the largest part of the time from `drydock start` to its first answer. The tsc output
 * under dist/src stays what embedders import (the package's `exports`) and what carries the
 * declarations.
 *
 * Left out of the bundle: better-sqlite3 (a native addon, loaded from node_modules), and the
 * libraries the sources load with createRequire on first use (yaml, fflate, fast-xml-parser, the
 * CRC32C checksum), which stay out of start-up on purpose.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const BUNDLE = join(ROOT, 'dist', 'drydock.mjs');
const HASHBANG = '#!/usr/bin/env node\n';

export async function buildBundle() {
  await build({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ES module builds where a package has one (the @smithy packages): esbuild drops what is unused, which it cannot do in CommonJS.
    mainFields: ['module', 'main'],
    external: ['better-sqlite3'],
    // The CommonJS libraries inside the bundle (pino) call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __drydockCreateRequire } from 'node:module';\nconst require = __drydockCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // esbuild keeps the entry's `#!` line (a banner cannot add one in front of it): without it npm's
  // bin links and npx could not run the file.
  if (!readFileSync(BUNDLE, 'utf8').startsWith(HASHBANG)) throw new Error(`${BUNDLE} does not start with ${HASHBANG.trim()}: src/cli/main.ts must keep it as its first line`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildBundle();
