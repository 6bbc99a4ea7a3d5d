import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICES } from '../src/services/index.js';
import { COVERAGE_DOC, renderCoverage, serviceCoverage } from '../src/tools/coverage-doc.js';

describe('docs/coverage.md', () => {
  it('matches the handlers the services register', () => {
    const committed = existsSync(COVERAGE_DOC) ? readFileSync(COVERAGE_DOC, 'utf8') : '';
    expect(committed, 'docs/coverage.md is stale: run `npm run coverage-doc` and commit the result').toBe(renderCoverage());
  });

  it('counts every model operation of every service exactly once', () => {
    const coverage = serviceCoverage();
    expect(coverage.map((s) => s.name)).toEqual(Object.keys(SERVICES));
    for (const s of coverage) {
      const model = SERVICES[s.name].model;
      expect([...s.implemented, ...s.missing].sort()).toEqual([...model.operations.keys()].sort());
      expect(s.implemented.filter((op) => s.missing.includes(op))).toEqual([]);
    }
    // STS GetCallerIdentity has been implemented since the foundation: a sanity anchor for the reading of handlers.
    expect(coverage.find((s) => s.name === 'sts')?.implemented).toContain('GetCallerIdentity');
  });
});
