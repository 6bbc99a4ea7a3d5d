/**
 * The dependency rules of the architecture, checked on the import statements of every source file:
 * protocol and core stay generic (no service, server or CLI knowledge) and services reach each
 * other only through a service's public index.ts.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return entry.endsWith('.ts') ? [full] : [];
  });
}

/** Matches static imports, re-exports and dynamic imports of relative modules. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g;

interface Edge {
  /** Importing file, relative to src/ with `/` separators. */
  from: string;
  /** Imported file, relative to src/ (`.js` specifiers map to the `.ts` source). */
  to: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      out.push({ from: relative(SRC, file).split(sep).join('/'), to: relative(SRC, target).split(sep).join('/') });
    }
  }
  return out;
}

const top = (path: string) => path.split('/')[0];

describe('layering', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    // Guards the regex: the pipeline certainly imports the codecs and core errors.
    expect(all).toContainEqual({ from: 'protocol/pipeline.ts', to: 'protocol/codecs/json.ts' });
    expect(all).toContainEqual({ from: 'protocol/pipeline.ts', to: 'core/errors.ts' });
  });

  it('src/protocol imports nothing from services, server or cli', () => {
    const bad = all.filter((e) => top(e.from) === 'protocol' && ['services', 'server', 'cli'].includes(top(e.to)));
    expect(bad).toEqual([]);
  });

  it('src/core imports nothing from protocol, services, server or cli', () => {
    const bad = all.filter((e) => top(e.from) === 'core' && ['protocol', 'services', 'server', 'cli'].includes(top(e.to)));
    expect(bad).toEqual([]);
  });

  it('src/services imports nothing from server or cli', () => {
    const bad = all.filter((e) => top(e.from) === 'services' && ['server', 'cli'].includes(top(e.to)));
    expect(bad).toEqual([]);
  });

  it('a service imports another service only through its index.ts', () => {
    const bad = all.filter((e) => {
      const from = e.from.split('/');
      const to = e.to.split('/');
      if (from[0] !== 'services' || to[0] !== 'services' || to.length < 3) return false;
      // src/services/index.ts (the registry) counts as outside every service.
      const fromService = from.length > 2 ? from[1] : undefined;
      return fromService !== to[1] && to.slice(2).join('/') !== 'index.ts';
    });
    expect(bad).toEqual([]);
  });

  it('CodeBuild: the engine, buildspec, reports and store import no handlers (nor index.ts)', () => {
    const base = 'services/codebuild/';
    const folder = (path: string) => (path.startsWith(base) ? path.slice(base.length).split('/') : []);
    const bad = all.filter((e) => {
      const from = folder(e.from);
      const to = folder(e.to);
      if (from.length < 2 || !['engine', 'buildspec', 'reports', 'store'].includes(from[0]) || to.length === 0) return false;
      return to[0] === 'handlers' || (to.length === 1 && to[0] === 'index.ts');
    });
    expect(all.some((e) => e.from.startsWith(`${base}engine/`) && e.to.startsWith(`${base}store/`))).toBe(true);
    expect(bad).toEqual([]);
  });
});
