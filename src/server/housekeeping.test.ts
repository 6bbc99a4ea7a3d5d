import { describe, expect, it } from 'vitest';
import { collectGarbage, IdleHousekeeping, RELEASE_AFTER_GROWTH_BYTES, SECOND_COLLECTION_DELAY_CHECKS } from './housekeeping.js';

const MB = 1024 * 1024;

/** Housekeeping over a resident size the test sets, recording what it gave back. */
function housekeeping(startBytes: number) {
  const state = { resident: startBytes, done: [] as string[] };
  const keeper = new IdleHousekeeping({
    release: () => state.done.push('release'),
    collectAgain: () => state.done.push('again'),
    residentBytes: () => state.resident,
  });
  const quietChecks = (n: number) => Array.from({ length: n }, () => keeper.tick());
  return { keeper, state, quietChecks };
}

describe('IdleHousekeeping', () => {
  it('releases once a whole interval passes without requests after memory grew, then collects again later', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident += RELEASE_AFTER_GROWTH_BYTES + MB;
    expect(keeper.tick()).toBeUndefined(); // requests came in this interval: busy
    keeper.noteRequest();
    expect(keeper.tick()).toBeUndefined();
    expect(keeper.tick()).toBe('released'); // the first quiet interval
    expect(quietChecks(SECOND_COLLECTION_DELAY_CHECKS)).toEqual([...Array(SECOND_COLLECTION_DELAY_CHECKS - 1).fill(undefined), 'collected again']);
    expect(quietChecks(20).every((done) => done === undefined)).toBe(true); // an idle server is left alone
    expect(state.done).toEqual(['release', 'again']);
  });

  it('leaves memory alone after a burst that did not grow it', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident += RELEASE_AFTER_GROWTH_BYTES - MB;
    keeper.tick();
    quietChecks(10);
    expect(state.done).toEqual([]);
  });

  it('collects again in a later quiet spell when requests interrupt the wait', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident = 150 * MB;
    keeper.tick();
    quietChecks(2);
    keeper.noteRequest();
    keeper.tick();
    quietChecks(1 + SECOND_COLLECTION_DELAY_CHECKS);
    expect(state.done).toEqual(['release', 'again']);
  });

  it('measures growth from the resident memory once settled after the last release', () => {
    const { keeper, state, quietChecks } = housekeeping(70 * MB);
    keeper.noteRequest();
    state.resident = 150 * MB;
    keeper.tick();
    keeper.tick();
    state.resident = 105 * MB; // what the release left, once settled (the test's release does not shrink it)
    quietChecks(SECOND_COLLECTION_DELAY_CHECKS + 1);
    keeper.noteRequest();
    state.resident = 110 * MB;
    keeper.tick();
    quietChecks(10); // a quiet spell after a burst that grew memory too little: no release, and 110 MB is no new footprint
    expect(state.done).toEqual(['release', 'again']);
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
});
