/**
 * The merge engine on real temporary bare repositories: histories are built with git plumbing,
 * merges are checked by reading the trees and commits git wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepository } from './git.js';
import { analyzeMerge, conflictMetadata } from './merge-analysis.js';
import { computeMerge, type MergeRequest, mergeOptions } from './merge-engine.js';
import { mergeHunks } from './merge-hunks.js';

type Files = Record<string, string | { content: string; mode: string } | null>;

let dir: string;
let git: GitRepository;
let clock = 1_700_000_000;

/** A commit on `parent` that writes (string or {content, mode}) or deletes (null) the given files. */
async function commit(parent: string | undefined, files: Files, message = 'change'): Promise<string> {
  const env = { GIT_INDEX_FILE: join(dir, `index-${clock}`) };
  if (parent) await git.run(['read-tree', parent], { env });
  const lines: string[] = [];
  for (const [path, spec] of Object.entries(files)) {
    if (spec === null) {
      lines.push(`0 0000000000000000000000000000000000000000\t${path}`);
      continue;
    }
    const { content, mode } = typeof spec === 'string' ? { content: spec, mode: '100644' } : spec;
    const id = (await git.run(['hash-object', '-w', '--stdin'], { input: content })).stdout.toString().trim();
    lines.push(`${mode} ${id}\t${path}`);
  }
  await git.run(['update-index', '-z', '--index-info'], { env, input: `${lines.join('\0')}\0` });
  const tree = (await git.run(['write-tree'], { env })).stdout.toString().trim();
  rmSync(env.GIT_INDEX_FILE, { force: true });
  const date = `@${clock++} +0000`;
  const identity = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_COMMITTER_DATE: date };
  const args = ['commit-tree', tree];
  if (parent) args.push('-p', parent);
  return (await git.run(args, { env: identity, input: message })).stdout.toString().trim();
}

async function files(commitId: string): Promise<Record<string, string>> {
  const { stdout } = await git.run(['ls-tree', '-r', '-z', commitId]);
  const out: Record<string, string> = {};
  for (const record of stdout.toString().split('\0').filter(Boolean)) {
    const [meta, path] = record.split('\t');
    const [mode, , id] = meta.split(' ');
    const content = (await git.run(['cat-file', 'blob', id])).stdout.toString();
    out[path] = mode === '100644' ? content : `${mode}:${content}`;
  }
  return out;
}

async function merge(source: string, destination: string, extra: Partial<MergeRequest> = {}) {
  return computeMerge({ git, sourceCommitId: source, destinationCommitId: destination, option: 'THREE_WAY_MERGE', time: 1_800_000_000, author: { name: 'Merger', email: 'm@x' }, ...extra });
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('expected a failure');
}

const lines = (...items: string[]) => items.map((item) => `${item}\n`).join('');

let base: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drydock-merge-engine-'));
  git = new GitRepository(join(dir, 'repo.git'));
  await git.init();
  base = await commit(undefined, { 'a.txt': lines('1', '2', '3', '4', '5', '6', '7'), 'b.txt': 'b\n', 'dir/c.txt': 'c\n' }, 'base');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('merge engine', () => {
  it('merges changes to different files in a two-parent commit with the given author and time', async () => {
    const destination = await commit(base, { 'b.txt': 'b2\n' });
    const source = await commit(base, { 'new.txt': 'n\n', 'dir/c.txt': null });
    const result = await merge(source, destination, { commitMessage: 'merge it' });
    expect(result.baseCommitId).toBe(base);
    expect(await files(result.commitId)).toEqual({ 'a.txt': lines('1', '2', '3', '4', '5', '6', '7'), 'b.txt': 'b2\n', 'new.txt': 'n\n' });
    const made = await git.commit(result.commitId);
    expect(made?.parents).toEqual([destination, source]);
    expect(made?.treeId).toBe(result.treeId);
    expect(made?.author).toEqual({ name: 'Merger', email: 'm@x', date: '1800000000 +0000' });
    expect(made?.message).toBe('merge it');
  });

  it('never fails on an empty or malformed author or a NUL in the message: git gets what it can store', async () => {
    const destination = await commit(base, { 'b.txt': 'b4\n' });
    const source = await commit(base, { 'y.txt': 'y\n' });
    const byEmail = await merge(source, destination, { author: { name: '', email: 'me@example.com' } });
    expect((await git.commit(byEmail.commitId))?.author).toMatchObject({ name: 'me@example.com', email: 'me@example.com' });
    const nul = await merge(source, destination, { commitMessage: 'a\0b' });
    expect((await git.commit(nul.commitId))?.message).toBe('ab');
    const anonymous = await merge(source, destination, { author: undefined });
    expect((await git.commit(anonymous.commitId))?.author).toMatchObject({ name: 'AWS CodeCommit', email: '' });
  });

  it('squash merges have the destination as their only parent', async () => {
    const destination = await commit(base, { 'b.txt': 'b3\n' });
    const source = await commit(base, { 'x.txt': 'x\n' });
    const result = await merge(source, destination, { option: 'SQUASH_MERGE' });
    expect((await git.commit(result.commitId))?.parents).toEqual([destination]);
    expect((await files(result.commitId))['x.txt']).toBe('x\n');
  });

  it('fast-forwards only when the destination is an ancestor of the source', async () => {
    const source = await commit(base, { 'b.txt': 'ff\n' });
    const result = await merge(source, base, { option: 'FAST_FORWARD_MERGE' });
    expect(result.commitId).toBe(source);
    expect(result.treeId).toBe((await git.commit(source))?.treeId);
    const diverged = await commit(base, { 'b.txt': 'other\n' });
    expect(await errorOf(merge(source, diverged, { option: 'FAST_FORWARD_MERGE' }))).toBe('ManualMergeRequiredException');
  });

  it('treats changes to different lines of one file as a conflict at FILE_LEVEL and merges them at LINE_LEVEL or with AUTOMERGE', async () => {
    const destination = await commit(base, { 'a.txt': lines('1', 'D2', '3', '4', '5', '6', '7') });
    const source = await commit(base, { 'a.txt': lines('1', '2', '3', '4', '5', 'S6', '7') });
    expect(await errorOf(merge(source, destination))).toBe('ManualMergeRequiredException');
    const fileLevel = await analyzeMerge(git, source, destination, 'FILE_LEVEL', 'NONE');
    expect(fileLevel.conflicts.map((c) => conflictMetadata(fileLevel, c))).toEqual([
      {
        filePath: 'a.txt',
        fileSizes: { base: 14, source: 15, destination: 15 },
        fileModes: { base: 'NORMAL', source: 'NORMAL', destination: 'NORMAL' },
        objectTypes: { base: 'FILE', source: 'FILE', destination: 'FILE' },
        numberOfConflicts: 1,
        isBinaryFile: { base: false, source: false, destination: false },
        contentConflict: true,
        fileModeConflict: false,
        objectTypeConflict: false,
        mergeOperations: { source: 'M', destination: 'M' },
      },
    ]);
    const merged = lines('1', 'D2', '3', '4', '5', 'S6', '7');
    expect((await files((await merge(source, destination, { conflictDetailLevel: 'LINE_LEVEL' })).commitId))['a.txt']).toBe(merged);
    expect((await files((await merge(source, destination, { conflictResolutionStrategy: 'AUTOMERGE' })).commitId))['a.txt']).toBe(merged);
    expect((await mergeOptions(git, source, destination)).options).toEqual([]);
    expect((await mergeOptions(git, source, destination, 'LINE_LEVEL')).options).toEqual(['SQUASH_MERGE', 'THREE_WAY_MERGE']);
  });

  it('resolves overlapping changes with ACCEPT_SOURCE hunk by hunk at LINE_LEVEL and whole files at FILE_LEVEL', async () => {
    const destination = await commit(base, { 'a.txt': lines('1', 'D2', '3', '4', '5', 'D6', '7') });
    const source = await commit(base, { 'a.txt': lines('1', 'S2', '3', '4', '5', '6', '7') });
    expect(await errorOf(merge(source, destination, { conflictDetailLevel: 'LINE_LEVEL' }))).toBe('ManualMergeRequiredException');
    const lineLevel = await merge(source, destination, { conflictDetailLevel: 'LINE_LEVEL', conflictResolutionStrategy: 'ACCEPT_SOURCE' });
    expect((await files(lineLevel.commitId))['a.txt']).toBe(lines('1', 'S2', '3', '4', '5', 'D6', '7'));
    const fileLevel = await merge(source, destination, { conflictResolutionStrategy: 'ACCEPT_SOURCE' });
    expect((await files(fileLevel.commitId))['a.txt']).toBe(lines('1', 'S2', '3', '4', '5', '6', '7'));
    const keepDestination = await merge(source, destination, { conflictResolutionStrategy: 'ACCEPT_DESTINATION' });
    expect((await files(keepDestination.commitId))['a.txt']).toBe(lines('1', 'D2', '3', '4', '5', 'D6', '7'));
  });

  it('describes the hunks of a file: conflicting and clean regions with 0-based end-exclusive lines', async () => {
    const destination = await commit(base, { 'a.txt': lines('1', 'D2', '3', '4', '5', '6', '7', '8') });
    const source = await commit(base, { 'a.txt': lines('1', 'S2a', 'S2b', '3', '4', '5', '6', '7') });
    const analysis = await analyzeMerge(git, source, destination, 'LINE_LEVEL');
    expect(analysis.conflicts.map((c) => [c.path, c.lineConflicts])).toEqual([['a.txt', 1]]);
    const hunks = await mergeHunks(analysis, 'a.txt');
    const decode = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString();
    expect(
      hunks.map((h) => ({
        ...h,
        source: { ...h.source, hunkContent: decode(h.source?.hunkContent) },
        destination: { ...h.destination, hunkContent: decode(h.destination?.hunkContent) },
        base: { ...h.base, hunkContent: decode(h.base?.hunkContent) },
      })),
    ).toEqual([
      {
        isConflict: true,
        base: { startLine: 1, endLine: 2, hunkContent: '2\n' },
        source: { startLine: 1, endLine: 3, hunkContent: 'S2a\nS2b\n' },
        destination: { startLine: 1, endLine: 2, hunkContent: 'D2\n' },
      },
      { isConflict: false, base: { startLine: 7, endLine: 7, hunkContent: '' }, source: { startLine: 8, endLine: 8, hunkContent: '' }, destination: { startLine: 7, endLine: 8, hunkContent: '8\n' } },
    ]);
  });

  it('applies explicit resolutions and refuses resolutions for files without conflicts or named twice', async () => {
    const destination = await commit(base, { 'a.txt': 'dest\n', 'b.txt': 'bd\n' });
    const source = await commit(base, { 'a.txt': 'source\n', 'b.txt': 'bs\n' });
    const result = await merge(source, destination, {
      conflictResolution: {
        replaceContents: [{ filePath: 'a.txt', replacementType: 'USE_NEW_CONTENT', content: Buffer.from('mine\n'), fileMode: 'EXECUTABLE' }],
        deleteFiles: [{ filePath: 'b.txt' }],
      },
    });
    const merged = await files(result.commitId);
    expect(merged['a.txt']).toBe('100755:mine\n');
    expect(merged['b.txt']).toBeUndefined();
    const keepBase = await merge(source, destination, {
      conflictResolution: {
        replaceContents: [
          { filePath: '/a.txt', replacementType: 'KEEP_BASE' },
          { filePath: 'b.txt', replacementType: 'KEEP_SOURCE' },
        ],
      },
    });
    expect((await files(keepBase.commitId))['a.txt']).toBe(lines('1', '2', '3', '4', '5', '6', '7'));
    expect((await files(keepBase.commitId))['b.txt']).toBe('bs\n');
    // One file left unresolved: the merge needs a person.
    expect(await errorOf(merge(source, destination, { conflictResolution: { deleteFiles: [{ filePath: 'a.txt' }] } }))).toBe('ManualMergeRequiredException');
    expect(await errorOf(merge(source, destination, { conflictResolution: { deleteFiles: [{ filePath: 'dir/c.txt' }] } }))).toBe('InvalidConflictResolutionException');
    expect(await errorOf(merge(source, destination, { conflictResolution: { deleteFiles: [{ filePath: 'a.txt' }, { filePath: 'a.txt' }] } }))).toBe('MultipleConflictResolutionEntriesException');
    expect(await errorOf(merge(source, destination, { conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'USE_NEW_CONTENT' }] } }))).toBe(
      'ReplacementContentRequiredException',
    );
    expect(await errorOf(merge(source, destination, { conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'KEEP_ALL' }] } }))).toBe('InvalidReplacementTypeException');
    expect(await errorOf(merge(source, destination, { conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: '' }] } }))).toBe('ReplacementTypeRequiredException');
    expect(await errorOf(merge(source, destination, { conflictResolution: { setFileModes: [{ filePath: 'a.txt', fileMode: 'WRITABLE' }] } }))).toBe('InvalidFileModeException');
    expect(await errorOf(merge(source, destination, { conflictResolution: { deleteFiles: [{ filePath: '../a.txt' }] } }))).toBe('InvalidPathException');
  });

  it('reports mode conflicts and resolves them with setFileModes', async () => {
    const destination = await commit(base, { 'b.txt': { content: 'b\n', mode: '100755' }, 'a.txt': lines('0', '1', '2', '3', '4', '5', '6', '7') });
    const source = await commit(base, { 'b.txt': { content: 'b\n', mode: '120000' } });
    const analysis = await analyzeMerge(git, source, destination);
    expect(analysis.conflicts.map((c) => [c.path, c.objectTypeConflict, c.fileModeConflict])).toEqual([['b.txt', true, false]]);
    const executable = await commit(base, { 'b.txt': { content: 'b\n', mode: '100755' } });
    const normalAgain = await commit(await commit(base, { 'b.txt': { content: 'b\n', mode: '100755' } }), { 'b.txt': 'b-new\n' });
    const modeOnly = await analyzeMerge(git, executable, normalAgain);
    expect(modeOnly.conflicts).toEqual([]);
    const scriptDestination = await commit(base, { 'run.sh': { content: 'echo\n', mode: '100755' } });
    const scriptSource = await commit(base, { 'run.sh': 'echo\n' });
    const modes = await analyzeMerge(git, scriptSource, scriptDestination, 'LINE_LEVEL');
    expect(modes.conflicts.map((c) => conflictMetadata(modes, c))).toMatchObject([
      { filePath: 'run.sh', fileModeConflict: true, contentConflict: false, fileModes: { source: 'NORMAL', destination: 'EXECUTABLE' }, mergeOperations: { source: 'A', destination: 'A' } },
    ]);
    expect(await errorOf(merge(scriptSource, scriptDestination))).toBe('ManualMergeRequiredException');
    const withMode = await merge(scriptSource, scriptDestination, { conflictResolution: { setFileModes: [{ filePath: 'run.sh', fileMode: 'NORMAL' }] } });
    expect((await files(withMode.commitId))['run.sh']).toBe('echo\n');
    const sourceMode = await merge(scriptSource, scriptDestination, { conflictResolutionStrategy: 'ACCEPT_DESTINATION' });
    expect((await files(sourceMode.commitId))['run.sh']).toBe('100755:echo\n');
    const symlinkSource = await commit(base, { 'b.txt': { content: 'target', mode: '120000' } });
    const execDestination = await commit(base, { 'b.txt': { content: 'target', mode: '100755' } });
    const resolved = await merge(symlinkSource, execDestination, {
      conflictResolution: { replaceContents: [{ filePath: 'b.txt', replacementType: 'KEEP_DESTINATION' }], setFileModes: [{ filePath: 'b.txt', fileMode: 'NORMAL' }] },
    });
    expect((await files(resolved.commitId))['b.txt']).toBe('target');
  });

  it('finds a file on one side where the other has a folder, and resolves it to one side', async () => {
    const destination = await commit(base, { thing: 'a file\n' });
    const source = await commit(base, { 'thing/inner.txt': 'in a folder\n' });
    const analysis = await analyzeMerge(git, source, destination, 'LINE_LEVEL');
    expect(analysis.conflicts.map((c) => conflictMetadata(analysis, c))).toMatchObject([
      { filePath: 'thing', objectTypeConflict: true, objectTypes: { source: 'DIRECTORY', destination: 'FILE' }, mergeOperations: { source: 'A', destination: 'A' } },
    ]);
    expect(await errorOf(merge(source, destination))).toBe('ManualMergeRequiredException');
    const sourceWins = await files((await merge(source, destination, { conflictResolutionStrategy: 'ACCEPT_SOURCE' })).commitId);
    expect(sourceWins['thing/inner.txt']).toBe('in a folder\n');
    expect(sourceWins.thing).toBeUndefined();
    const destinationWins = await files((await merge(source, destination, { conflictResolutionStrategy: 'ACCEPT_DESTINATION' })).commitId);
    expect(destinationWins.thing).toBe('a file\n');
    expect(destinationWins['thing/inner.txt']).toBeUndefined();
  });

  it('never line-merges binary files: they conflict at LINE_LEVEL too and have no hunks', async () => {
    const binaryBase = await commit(base, { 'img.bin': 'P\0one\n2\n3\n4\n' });
    const destination = await commit(binaryBase, { 'img.bin': 'P\0one\n2\n3\nD\n' });
    const source = await commit(binaryBase, { 'img.bin': 'P\0S\n2\n3\n4\n' });
    const analysis = await analyzeMerge(git, source, destination, 'LINE_LEVEL', 'AUTOMERGE');
    expect(analysis.conflicts.map((c) => conflictMetadata(analysis, c))).toMatchObject([
      { filePath: 'img.bin', isBinaryFile: { base: true, source: true, destination: true }, contentConflict: true, numberOfConflicts: 1 },
    ]);
    expect(await mergeHunks(analysis, 'img.bin')).toEqual([]);
    const accepted = await merge(source, destination, { conflictDetailLevel: 'LINE_LEVEL', conflictResolutionStrategy: 'ACCEPT_SOURCE' });
    expect((await files(accepted.commitId))['img.bin']).toBe('P\0S\n2\n3\n4\n');
  });

  it('keeps folders the merge empties with a .gitkeep when asked', async () => {
    const destination = await commit(base, { 'b.txt': 'bb\n' });
    const source = await commit(base, { 'dir/c.txt': null });
    expect(Object.keys(await files((await merge(source, destination)).commitId))).not.toContain('dir/.gitkeep');
    expect(await files((await merge(source, destination, { keepEmptyFolders: true })).commitId)).toMatchObject({ 'dir/.gitkeep': '' });
  });

  it('refuses unrelated histories and unknown enum values', async () => {
    const orphan = await commit(undefined, { 'z.txt': 'z\n' });
    expect(await errorOf(merge(orphan, base))).toBe('TipsDivergenceExceededException');
    expect(await errorOf(merge(base, base, { conflictDetailLevel: 'WORD_LEVEL' }))).toBe('InvalidConflictDetailLevelException');
    expect(await errorOf(merge(base, base, { conflictResolutionStrategy: 'MAGIC' }))).toBe('InvalidConflictResolutionStrategyException');
    expect(await errorOf(merge(base, base, { option: 'OCTOPUS' as never }))).toBe('InvalidMergeOptionException');
  });
});
