import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectGarbage, collectYoungGarbage, IdleHousekeeping, RELEASE_AFTER_GROWTH_BYTES, YOUNG_GENERATION_DELAY_CHECKS } from './housekeeping.js';

const MB = 1024 * 1024;

/** Housekeeping over a resident size the test sets, recording what it gave back. */
function housekeeping(startBytes: number) {
  const state = { resident: startBytes, done: [] as string[] };
  const keeper = new IdleHousekeeping({
    release: () => state.done.push('release'),
    releaseYoungGeneration: () => state.done.push('young'),
    residentBytes: () => state.resident,
  });
  const quietChecks = (n: number) => Array.from({ length: n }, () => keeper.tick());
  return { keeper, state, quietChecks };
}

describe('IdleHousekeeping', () => {
  it('releases once a whole interval passes without requests after memory grew, then the young generation later', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident += RELEASE_AFTER_GROWTH_BYTES + MB;
    expect(keeper.tick()).toBeUndefined(); // requests came in this interval: busy
    keeper.noteRequest();
    expect(keeper.tick()).toBeUndefined();
    expect(keeper.tick()).toBe('released'); // the first quiet interval
    expect(quietChecks(YOUNG_GENERATION_DELAY_CHECKS)).toEqual([...Array(YOUNG_GENERATION_DELAY_CHECKS - 1).fill(undefined), 'young generation']);
    expect(quietChecks(20).every((done) => done === undefined)).toBe(true); // an idle server is left alone
    expect(state.done).toEqual(['release', 'young']);
  });

  it('leaves memory alone after a burst that did not grow it', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident += RELEASE_AFTER_GROWTH_BYTES - MB;
    keeper.tick();
    quietChecks(10);
    expect(state.done).toEqual([]);
  });

  it('gives the young generation its turn in a later quiet spell when requests interrupt the wait', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident = 150 * MB;
    keeper.tick();
    quietChecks(2);
    keeper.noteRequest();
    keeper.tick();
    quietChecks(1 + YOUNG_GENERATION_DELAY_CHECKS);
    expect(state.done).toEqual(['release', 'young']);
  });

  it('measures growth from the resident memory once settled after the last release', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident = 150 * MB;
    keeper.tick();
    keeper.tick();
    state.resident = 105 * MB; // what the release left, once settled (the test's release does not shrink it)
    quietChecks(YOUNG_GENERATION_DELAY_CHECKS + 1);
    keeper.noteRequest();
    state.resident = 110 * MB;
    keeper.tick();
    quietChecks(10); // a quiet spell after a burst that grew memory too little: no release, and 110 MB is no new footprint
    expect(state.done).toEqual(['release', 'young']);
    keeper.noteRequest();
    state.resident = 105 * MB + RELEASE_AFTER_GROWTH_BYTES;
    keeper.tick();
    expect(keeper.tick()).toBe('released');
  });
});

/** Something large that nothing references once the job that made it ends (a WeakRef holds its target until then). */
async function garbage(): Promise<WeakRef<object>> {
  const ref = new WeakRef(Array.from({ length: 100_000 }, (_, i) => ({ i })));
  await new Promise((next) => setImmediate(next));
  return ref;
}

describe('collecting garbage', () => {
  it('a full collection frees what nothing references', async () => {
    const ref = await garbage();
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });

  it('a young-generation collection empties the young generation of garbage', () => {
    let young: object[] | undefined = Array.from({ length: 20_000 }, (_, i) => ({ i }));
    young = undefined;
    const youngUsed = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_used_size;
    const before = youngUsed();
    expect(young).toBeUndefined();
    collectYoungGarbage();
    expect(youngUsed()).toBeLessThan(before / 2);
  });
});
