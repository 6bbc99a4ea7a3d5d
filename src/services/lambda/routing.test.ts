/** The pure rules behind recursive loop detection (trace lineage) and alias routing. */
import { describe, expect, it } from 'vitest';
import { traceFor } from './invoke.js';
import { pickAliasVersion } from './resolve.js';
import type { AliasRow } from './store.js';

const scope = { account: '000000000000', region: 'us-east-1' };

describe('traceFor', () => {
  it('starts a lineage for a call without one, and counts each further call of the same function', () => {
    let trace = traceFor(undefined, scope, 'fn', Date.UTC(2024, 0, 1));
    expect(trace.header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0;Lineage=[0-9a-f]{8}:1$/);
    const root = /Root=([^;]+)/.exec(trace.header)![1];
    for (let call = 2; call <= 16; call++) trace = traceFor(trace.header, scope, 'fn', 0);
    expect(trace).toMatchObject({ loop: false });
    expect(trace.header).toContain(`Root=${root};`);
    expect(trace.header).toMatch(/Lineage=[0-9a-f]{8}:16$/);
    expect(traceFor(trace.header, scope, 'fn', 0).loop).toBe(true);
  });

  it("keeps other functions' counts in the lineage and counts each function on its own", () => {
    const fromA = traceFor('Root=1-abc-def;Lineage=aaaaaaaa:5', scope, 'b', 0);
    expect(fromA.header).toMatch(/Lineage=aaaaaaaa:5\|[0-9a-f]{8}:1$/);
    expect(fromA.loop).toBe(false);
  });
});

describe('pickAliasVersion', () => {
  const alias: AliasRow = { account: scope.account, region: scope.region, function_name: 'fn', name: 'live', version: '1', description: '', routing: JSON.stringify({ '2': 0.25 }), revision: 'r' };

  it('sends the additional version its weight of invocations and the alias version the rest', () => {
    expect(pickAliasVersion(alias, 0)).toBe('2');
    expect(pickAliasVersion(alias, 0.2499)).toBe('2');
    expect(pickAliasVersion(alias, 0.25)).toBe('1');
    expect(pickAliasVersion({ ...alias, routing: null }, 0)).toBe('1');
  });
});
