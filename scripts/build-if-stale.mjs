#!/usr/bin/env node
/**
 * What `npm start` runs before starting: rebuilds dist/drydock.mjs only when something it is built
 * from changed since (a source file, a model, package.json, a tsconfig, the bundle script), so a
 * start with nothing changed costs a few milliseconds of stat() instead of a build. Rebuilding is
 * the bundle alone (well under a second): type-checking and the declarations are `npm run build`'s.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUNDLE = join(ROOT, 'dist', 'drydock.mjs');
const INPUT_DIRS = ['src', 'models'];
const INPUT_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build-bundle.mjs'];

/** The newest input and its mtime; directories count too, so a deleted file is a change. Tests are no input of the bundle. */
function newestInput() {
  let newest = { path: '', mtimeMs: 0 };
  const consider = (path) => {
    const { mtimeMs } = statSync(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  for (const file of INPUT_FILES) consider(join(ROOT, file));
  for (const dir of INPUT_DIRS) {
    consider(join(ROOT, dir));
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.name.endsWith('.test.ts')) consider(join(entry.parentPath, entry.name));
    }
  }
  return newest;
}

function bundleMtime() {
  try {
    return statSync(BUNDLE).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = bundleMtime();
const newest = newestInput();
if (built === undefined || newest.mtimeMs > built) {
  const reason = built === undefined ? 'dist/drydock.mjs does not exist yet' : `${relative(ROOT, newest.path)} changed since the last build`;
  process.stderr.write(`drydock: building dist/drydock.mjs (${reason})…\n`);
  const { buildBundle } = await import('./build-bundle.mjs');
  await buildBundle();
}
