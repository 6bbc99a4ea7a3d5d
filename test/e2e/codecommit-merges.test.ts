/**
 * CodeCommit merges through the real SDK client (and the aws CLI once): histories are made with
 * PutFile and CreateBranch, merges are checked by reading the branches, commits and files back,
 * and in the bare repository with git itself.
 */

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BatchDescribeMergeConflictsCommand,
  CodeCommitClient,
  CreateBranchCommand,
  CreateCommitCommand,
  CreateRepositoryCommand,
  CreateUnreferencedMergeCommitCommand,
  DeleteFileCommand,
  DescribeMergeConflictsCommand,
  GetBranchCommand,
  GetCommitCommand,
  GetFileCommand,
  GetMergeCommitCommand,
  GetMergeConflictsCommand,
  GetMergeOptionsCommand,
  MergeBranchesByFastForwardCommand,
  MergeBranchesBySquashCommand,
  MergeBranchesByThreeWayCommand,
  PutFileCommand,
} from '@aws-sdk/client-codecommit';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { expectAwsError, failure, startTestServer, type TestServer } from '../helpers.js';
import { GitRunner, rootUrl } from './codecommit-git-helpers.js';

const run = promisify(execFile);
const lines = (...items: string[]): string => items.map((item) => `${item}\n`).join('');
const BASE_TEXT = lines('1', '2', '3', '4', '5', '6', '7', '8');

describe('CodeCommit merges', () => {
  let server: TestServer;
  let cc: CodeCommitClient;
  const events: AwsEvent[] = [];
  let counter = 0;

  /** A repository whose main holds a.txt (8 lines) and b.txt, and a branch `feature` at the same commit. */
  async function repository(): Promise<{ name: string; id: string; base: string }> {
    const name = `merge-${++counter}`;
    const created = await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    const first = await cc.send(
      new CreateCommitCommand({
        repositoryName: name,
        branchName: 'main',
        commitMessage: 'base',
        putFiles: [
          { filePath: 'a.txt', fileContent: Buffer.from(BASE_TEXT) },
          { filePath: 'b.txt', fileContent: Buffer.from('b\n') },
        ],
      }),
    );
    await cc.send(new CreateBranchCommand({ repositoryName: name, branchName: 'feature', commitId: first.commitId }));
    return { name, id: created.repositoryMetadata!.repositoryId!, base: first.commitId! };
  }

  /** One commit on a branch writing several files. */
  async function change(repositoryName: string, branchName: string, files: Record<string, string>): Promise<string> {
    const parentCommitId = await tip(repositoryName, branchName);
    const putFiles = Object.entries(files).map(([filePath, content]) => ({ filePath, fileContent: Buffer.from(content) }));
    return (await cc.send(new CreateCommitCommand({ repositoryName, branchName, parentCommitId, putFiles, commitMessage: `change on ${branchName}` }))).commitId!;
  }

  async function put(repositoryName: string, branchName: string, filePath: string, content: string): Promise<string> {
    const parentCommitId = await tip(repositoryName, branchName);
    return (await cc.send(new PutFileCommand({ repositoryName, branchName, filePath, fileContent: Buffer.from(content), parentCommitId, commitMessage: `${filePath} on ${branchName}` }))).commitId!;
  }

  async function tip(repositoryName: string, branchName: string): Promise<string> {
    return (await cc.send(new GetBranchCommand({ repositoryName, branchName }))).branch!.commitId!;
  }

  async function file(repositoryName: string, commitSpecifier: string, filePath: string): Promise<string | undefined> {
    try {
      return Buffer.from((await cc.send(new GetFileCommand({ repositoryName, commitSpecifier, filePath }))).fileContent!).toString();
    } catch (err) {
      if ((err as Error).name === 'FileDoesNotExistException') return undefined;
      throw err;
    }
  }

  /** Runs git on the repository's bare directory, as a client that fetched it would see it. */
  async function bare(repositoryId: string, args: string[]): Promise<string> {
    const { stdout } = await run('git', ['--git-dir', join(server.dataDir, 'codecommit', `${repositoryId}.git`), ...args], { env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1' } });
    return stdout;
  }

  /** feature and main change the same line of a.txt, and different lines of c.txt. */
  async function conflicting(): Promise<{ name: string; id: string; base: string; source: string; destination: string }> {
    const repo = await repository();
    const destination = await change(repo.name, 'main', { 'a.txt': lines('1', 'MAIN', '3', '4', '5', '6', '7', '8'), 'b.txt': 'b from main\n' });
    const source = await change(repo.name, 'feature', { 'a.txt': lines('1', 'FEATURE', '3', '4', '5', '6', '7', 'F8'), 'b.txt': 'b from feature\n' });
    return { ...repo, source, destination };
  }

  /** One conflicting repository for the tests that only look (and the refused merges, which change nothing). */
  let sharedRepository: ReturnType<typeof conflicting> | undefined;
  const sharedConflict = () => (sharedRepository ??= conflicting());

  beforeAll(async () => {
    server = await startTestServer();
    cc = new CodeCommitClient(server.clientConfig);
    server.runtime.events.subscribe((event) => {
      if (event.source === 'aws.codecommit') events.push(event);
    });
  });
  afterAll(async () => server?.stop());

  describe('MergeBranchesByFastForward', () => {
    it('moves the destination branch to the source commit, and publishes the merge', async () => {
      const { name, id, base } = await repository();
      const source = await put(name, 'feature', 'new.txt', 'new\n');
      events.length = 0;
      const merged = await cc.send(new MergeBranchesByFastForwardCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' }));
      expect(merged.commitId).toBe(source);
      expect(merged.treeId).toBe((await cc.send(new GetCommitCommand({ repositoryName: name, commitId: source }))).commit!.treeId);
      expect(await tip(name, 'main')).toBe(source);
      expect((await bare(id, ['rev-parse', 'refs/heads/main'])).trim()).toBe(source);
      expect(events).toHaveLength(1);
      expect(events[0]['detail-type']).toBe('CodeCommit Repository State Change');
      expect(events[0].detail).toMatchObject({
        event: 'referenceUpdated',
        repositoryName: name,
        repositoryId: id,
        referenceType: 'branch',
        referenceName: 'main',
        referenceFullName: 'refs/heads/main',
        commitId: source,
        oldCommitId: base,
        sourceCommitId: source,
        destinationCommitId: base,
        mergeOption: 'FAST_FORWARD_MERGE',
      });
    });

    it('refuses diverged branches with ManualMergeRequiredException and moves nothing', async () => {
      const { name } = await repository();
      await put(name, 'feature', 'f.txt', 'f\n');
      const mainTip = await put(name, 'main', 'm.txt', 'm\n');
      await expectAwsError(cc.send(new MergeBranchesByFastForwardCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' })), {
        code: 'ManualMergeRequiredException',
        status: 400,
      });
      expect(await tip(name, 'main')).toBe(mainTip);
    });

    it('merges into a targetBranch other than the destination when asked', async () => {
      const { name, base } = await repository();
      const source = await put(name, 'feature', 'f.txt', 'f\n');
      await cc.send(new CreateBranchCommand({ repositoryName: name, branchName: 'release', commitId: base }));
      await cc.send(new MergeBranchesByFastForwardCommand({ repositoryName: name, sourceCommitSpecifier: source, destinationCommitSpecifier: base, targetBranch: 'release' }));
      expect(await tip(name, 'release')).toBe(source);
      expect(await tip(name, 'main')).toBe(base);
    });
  });

  describe('MergeBranchesBySquash and MergeBranchesByThreeWay', () => {
    it('squashes the source into one commit on the destination with the given author and message', async () => {
      const { name, id } = await repository();
      await put(name, 'feature', 'f1.txt', 'one\n');
      await change(name, 'feature', { 'f2.txt': 'two\n' });
      const mainTip = await put(name, 'main', 'm.txt', 'm\n');
      events.length = 0;
      const merged = await cc.send(
        new MergeBranchesBySquashCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          authorName: 'Maria Garcia',
          email: 'maria_garcia@example.com',
          commitMessage: 'Squashed feature',
        }),
      );
      const commit = (await cc.send(new GetCommitCommand({ repositoryName: name, commitId: merged.commitId }))).commit!;
      expect(commit.parents).toEqual([mainTip]);
      expect(commit.treeId).toBe(merged.treeId);
      expect(commit.author).toMatchObject({ name: 'Maria Garcia', email: 'maria_garcia@example.com' });
      expect(commit.message).toBe('Squashed feature');
      expect(await tip(name, 'main')).toBe(merged.commitId);
      expect(await file(name, 'main', 'f2.txt')).toBe('two\n');
      expect(await file(name, 'main', 'm.txt')).toBe('m\n');
      expect((await bare(id, ['ls-tree', '--name-only', 'main'])).split('\n').filter(Boolean).sort()).toEqual(['a.txt', 'b.txt', 'f1.txt', 'f2.txt', 'm.txt']);
      expect(events.map((e) => e.detail)).toMatchObject([
        {
          event: 'referenceUpdated',
          referenceName: 'main',
          commitId: merged.commitId,
          oldCommitId: mainTip,
          mergeOption: 'SQUASH_MERGE',
          conflictDetailsLevel: 'FILE_LEVEL',
          conflictResolutionStrategy: 'NONE',
        },
      ]);
    });

    it('three-way merges with two parents, destination first, and GetMergeCommit then finds the merge', async () => {
      const { name, base } = await repository();
      const source = await put(name, 'feature', 'f.txt', 'f\n');
      const mainTip = await put(name, 'main', 'm.txt', 'm\n');
      const merged = await cc.send(new MergeBranchesByThreeWayCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', commitMessage: 'Merge feature' }));
      const commit = (await cc.send(new GetCommitCommand({ repositoryName: name, commitId: merged.commitId }))).commit!;
      expect(commit.parents).toEqual([mainTip, source]);
      expect(await file(name, 'main', 'f.txt')).toBe('f\n');
      const lookup = await cc.send(new GetMergeCommitCommand({ repositoryName: name, sourceCommitSpecifier: source, destinationCommitSpecifier: 'main' }));
      expect(lookup).toMatchObject({ sourceCommitId: source, destinationCommitId: merged.commitId, baseCommitId: source, mergedCommitId: merged.commitId });
      const unmerged = await cc.send(new GetMergeCommitCommand({ repositoryName: name, sourceCommitSpecifier: mainTip, destinationCommitSpecifier: source }));
      expect(unmerged.baseCommitId).toBe(base);
      expect(unmerged.mergedCommitId).toBeUndefined();
    });

    it('serializes simultaneous merges into one branch: each lands on top of the other', async () => {
      const { name, base } = await repository();
      await cc.send(new CreateBranchCommand({ repositoryName: name, branchName: 'other', commitId: base }));
      await put(name, 'feature', 'one.txt', '1\n');
      await put(name, 'other', 'two.txt', '2\n');
      const [first, second] = await Promise.all([
        cc.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' })),
        cc.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'other', destinationCommitSpecifier: 'main' })),
      ]);
      const parents = async (commitId: string | undefined) => (await cc.send(new GetCommitCommand({ repositoryName: name, commitId }))).commit!.parents;
      // Whichever ran second was merged onto the first one's commit, so nothing was lost.
      const mainTip = await tip(name, 'main');
      expect([first.commitId, second.commitId]).toContain(mainTip);
      const [earlier, later] = mainTip === second.commitId ? [first, second] : [second, first];
      expect(await parents(earlier.commitId)).toEqual([base]);
      expect(await parents(later.commitId)).toEqual([earlier.commitId]);
      expect(await file(name, 'main', 'one.txt')).toBe('1\n');
      expect(await file(name, 'main', 'two.txt')).toBe('2\n');
    });

    it('treats a file changed on both sides as a conflict at FILE_LEVEL, and merges separate lines at LINE_LEVEL', async () => {
      const { name } = await repository();
      await put(name, 'feature', 'a.txt', lines('1', '2', '3', '4', '5', '6', '7', 'F8'));
      const mainTip = await put(name, 'main', 'a.txt', lines('M1', '2', '3', '4', '5', '6', '7', '8'));
      const error = await failure(cc.send(new MergeBranchesByThreeWayCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' })));
      expect(error.name).toBe('ManualMergeRequiredException');
      expect(await tip(name, 'main')).toBe(mainTip);
      await cc.send(new MergeBranchesByThreeWayCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', conflictDetailLevel: 'LINE_LEVEL' }));
      expect(await file(name, 'main', 'a.txt')).toBe(lines('M1', '2', '3', '4', '5', '6', '7', 'F8'));
    });

    it('resolves real conflicts with each strategy and with an explicit conflictResolution', async () => {
      const { name, source, destination } = await conflicting();
      for (const strategy of ['NONE', 'AUTOMERGE']) {
        const error = await failure(
          cc.send(
            new MergeBranchesBySquashCommand({
              repositoryName: name,
              sourceCommitSpecifier: 'feature',
              destinationCommitSpecifier: 'main',
              conflictDetailLevel: 'LINE_LEVEL',
              conflictResolutionStrategy: strategy as 'NONE',
            }),
          ),
        );
        expect(error.name).toBe('ManualMergeRequiredException');
      }
      expect(await tip(name, 'main')).toBe(destination);
      // ACCEPT_SOURCE at LINE_LEVEL takes the source's side of the conflicting hunk and keeps the clean ones.
      const sourceWins = await cc.send(
        new CreateUnreferencedMergeCommitCommand({
          repositoryName: name,
          sourceCommitSpecifier: source,
          destinationCommitSpecifier: destination,
          mergeOption: 'THREE_WAY_MERGE',
          conflictDetailLevel: 'LINE_LEVEL',
          conflictResolutionStrategy: 'ACCEPT_SOURCE',
        }),
      );
      expect(await file(name, sourceWins.commitId!, 'a.txt')).toBe(lines('1', 'FEATURE', '3', '4', '5', '6', '7', 'F8'));
      expect(await file(name, sourceWins.commitId!, 'b.txt')).toBe('b from feature\n');
      const destinationWins = await cc.send(
        new CreateUnreferencedMergeCommitCommand({
          repositoryName: name,
          sourceCommitSpecifier: source,
          destinationCommitSpecifier: destination,
          mergeOption: 'SQUASH_MERGE',
          conflictResolutionStrategy: 'ACCEPT_DESTINATION',
        }),
      );
      expect(await file(name, destinationWins.commitId!, 'a.txt')).toBe(lines('1', 'MAIN', '3', '4', '5', '6', '7', '8'));
      // The explicit resolution names each conflicting file.
      const merged = await cc.send(
        new MergeBranchesByThreeWayCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          conflictResolutionStrategy: 'AUTOMERGE',
          conflictResolution: {
            replaceContents: [
              { filePath: 'a.txt', replacementType: 'USE_NEW_CONTENT', content: Buffer.from('resolved\n') },
              { filePath: 'b.txt', replacementType: 'KEEP_SOURCE' },
            ],
          },
        }),
      );
      expect(await tip(name, 'main')).toBe(merged.commitId);
      expect(await file(name, 'main', 'a.txt')).toBe('resolved\n');
      expect(await file(name, 'main', 'b.txt')).toBe('b from feature\n');
    });

    it('deletes files through deleteFiles and keeps emptied folders with keepEmptyFolders', async () => {
      const { name } = await repository();
      await put(name, 'main', 'docs/guide.md', 'guide\n');
      await cc.send(new MergeBranchesByFastForwardCommand({ repositoryName: name, sourceCommitSpecifier: 'main', destinationCommitSpecifier: 'feature' }));
      const featureTip = await tip(name, 'feature');
      await cc.send(new DeleteFileCommand({ repositoryName: name, branchName: 'feature', filePath: 'docs/guide.md', parentCommitId: featureTip, keepEmptyFolders: false }));
      await put(name, 'main', 'b.txt', 'b changed on main\n');
      await put(name, 'feature', 'b.txt', 'b changed on feature\n');
      await cc.send(
        new MergeBranchesBySquashCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          keepEmptyFolders: true,
          conflictResolution: { deleteFiles: [{ filePath: 'b.txt' }] },
        }),
      );
      expect(await file(name, 'main', 'b.txt')).toBeUndefined();
      expect(await file(name, 'main', 'docs/guide.md')).toBeUndefined();
      expect(await file(name, 'main', 'docs/.gitkeep')).toBe('');
    });
  });

  describe('conflict reports', () => {
    let shared: Awaited<ReturnType<typeof conflicting>>;
    beforeAll(async () => {
      shared = await sharedConflict();
    });

    it('GetMergeConflicts lists conflicting files with AWS metadata, page by page', async () => {
      const { name, source, destination, base } = shared;
      const first = await cc.send(
        new GetMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'THREE_WAY_MERGE', maxConflictFiles: 1 }),
      );
      expect(first).toMatchObject({ mergeable: false, sourceCommitId: source, destinationCommitId: destination, baseCommitId: base });
      expect(first.conflictMetadataList).toEqual([
        {
          filePath: 'a.txt',
          fileSizes: { base: 16, source: 23, destination: 19 },
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
      expect(first.nextToken).toBeTruthy();
      const second = await cc.send(
        new GetMergeConflictsCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'THREE_WAY_MERGE',
          maxConflictFiles: 1,
          nextToken: first.nextToken,
        }),
      );
      expect(second.conflictMetadataList!.map((m) => m.filePath)).toEqual(['b.txt']);
      expect(second.nextToken).toBeUndefined();
      const accepted = await cc.send(
        new GetMergeConflictsCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'SQUASH_MERGE',
          conflictResolutionStrategy: 'ACCEPT_SOURCE',
        }),
      );
      expect(accepted.mergeable).toBe(true);
      const fastForward = await cc.send(
        new GetMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'FAST_FORWARD_MERGE' }),
      );
      expect(fastForward).toMatchObject({ mergeable: false, conflictMetadataList: [] });
      const badToken = await failure(
        cc.send(
          new GetMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'THREE_WAY_MERGE', nextToken: 'bm90LWEtdG9rZW4=' }),
        ),
      );
      expect(badToken.name).toBe('InvalidContinuationTokenException');
      const badMax = await failure(
        cc.send(new GetMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'THREE_WAY_MERGE', maxConflictFiles: 0 })),
      );
      expect(badMax.name).toBe('InvalidMaxConflictFilesException');
      const noOption = await failure(cc.send(new GetMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' } as never)));
      expect(noOption.name).toBe('MergeOptionRequiredException');
    });

    it('DescribeMergeConflicts gives the hunks of one file (base64 contents, 0-based lines) and pages them', async () => {
      const { name } = shared;
      const described = await cc.send(
        new DescribeMergeConflictsCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'THREE_WAY_MERGE',
          filePath: 'a.txt',
          conflictDetailLevel: 'LINE_LEVEL',
        }),
      );
      expect(described.conflictMetadata).toMatchObject({ filePath: 'a.txt', contentConflict: true, numberOfConflicts: 1 });
      const text = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString();
      expect(
        described.mergeHunks!.map((h) => ({
          isConflict: h.isConflict,
          source: [h.source!.startLine, h.source!.endLine, text(h.source!.hunkContent)],
          destination: [h.destination!.startLine, h.destination!.endLine, text(h.destination!.hunkContent)],
          base: [h.base!.startLine, h.base!.endLine, text(h.base!.hunkContent)],
        })),
      ).toEqual([
        { isConflict: true, source: [1, 2, 'FEATURE\n'], destination: [1, 2, 'MAIN\n'], base: [1, 2, '2\n'] },
        { isConflict: false, source: [7, 8, 'F8\n'], destination: [7, 8, '8\n'], base: [7, 8, '8\n'] },
      ]);
      const firstPage = await cc.send(
        new DescribeMergeConflictsCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'THREE_WAY_MERGE',
          filePath: 'a.txt',
          maxMergeHunks: 1,
        }),
      );
      expect(firstPage.mergeHunks).toHaveLength(1);
      const secondPage = await cc.send(
        new DescribeMergeConflictsCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'THREE_WAY_MERGE',
          filePath: 'a.txt',
          maxMergeHunks: 1,
          nextToken: firstPage.nextToken,
        }),
      );
      expect(secondPage.mergeHunks!.map((h) => h.isConflict)).toEqual([false]);
      expect(secondPage.nextToken).toBeUndefined();
      for (const [input, code] of [
        [{ filePath: 'nope.txt', mergeOption: 'THREE_WAY_MERGE' }, 'FileDoesNotExistException'],
        [{ filePath: 'a.txt', mergeOption: 'FAST_FORWARD_MERGE' }, 'InvalidMergeOptionException'],
        [{ filePath: 'a.txt', mergeOption: 'REBASE' }, 'InvalidMergeOptionException'],
        [{ filePath: '', mergeOption: 'THREE_WAY_MERGE' }, 'PathRequiredException'],
        [{ filePath: 'a.txt', mergeOption: 'THREE_WAY_MERGE', maxMergeHunks: -1 }, 'InvalidMaxMergeHunksException'],
      ] as const) {
        const error = await failure(cc.send(new DescribeMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', ...input } as never)));
        expect(error.name).toBe(code);
      }
    });

    it('BatchDescribeMergeConflicts describes every conflicting file, or the ones named, with errors for unknown paths', async () => {
      const { name, base } = shared;
      const all = await cc.send(new BatchDescribeMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'SQUASH_MERGE' }));
      expect(all.conflicts!.map((c) => [c.conflictMetadata!.filePath, c.mergeHunks!.length])).toEqual([
        ['a.txt', 2],
        ['b.txt', 1],
      ]);
      expect(all.errors).toEqual([]);
      expect(all.baseCommitId).toBe(base);
      const named = await cc.send(
        new BatchDescribeMergeConflictsCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'SQUASH_MERGE',
          filePaths: ['b.txt', 'ghost.txt'],
          maxMergeHunks: 1,
        }),
      );
      expect(named.conflicts!.map((c) => c.conflictMetadata!.filePath)).toEqual(['b.txt']);
      expect(named.errors).toEqual([{ filePath: 'ghost.txt', exceptionName: 'FileDoesNotExistException', message: expect.any(String) }]);
      const error = await failure(
        cc.send(
          new BatchDescribeMergeConflictsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'SQUASH_MERGE', maxConflictFiles: 0 }),
        ),
      );
      expect(error.name).toBe('InvalidMaxConflictFilesException');
    });

    it('GetMergeOptions tells which merges would complete, through the SDK and the aws CLI', async () => {
      const { name, base } = await repository();
      const ahead = await put(name, 'feature', 'f.txt', 'f\n');
      expect(await cc.send(new GetMergeOptionsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' }))).toMatchObject({
        mergeOptions: ['FAST_FORWARD_MERGE', 'SQUASH_MERGE', 'THREE_WAY_MERGE'],
        sourceCommitId: ahead,
        destinationCommitId: base,
        baseCommitId: base,
      });
      await put(name, 'main', 'a.txt', 'main rewrote a\n');
      await put(name, 'feature', 'a.txt', 'feature rewrote a\n');
      const { stdout } = await server.aws(['codecommit', 'get-merge-options', '--repository-name', name, '--source-commit-specifier', 'feature', '--destination-commit-specifier', 'main']);
      expect(JSON.parse(stdout)).toMatchObject({ mergeOptions: [], baseCommitId: base });
      const accepting = await cc.send(
        new GetMergeOptionsCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', conflictResolutionStrategy: 'ACCEPT_DESTINATION' }),
      );
      expect(accepting.mergeOptions).toEqual(['SQUASH_MERGE', 'THREE_WAY_MERGE']);
    });
  });

  describe('CreateUnreferencedMergeCommit', () => {
    it('writes a merge commit that no branch references, visible to GetCommit and git, and publishes it', async () => {
      const { name, id, base } = await repository();
      const source = await put(name, 'feature', 'f.txt', 'f\n');
      const destination = await put(name, 'main', 'm.txt', 'm\n');
      events.length = 0;
      const made = await cc.send(
        new CreateUnreferencedMergeCommitCommand({
          repositoryName: name,
          sourceCommitSpecifier: 'feature',
          destinationCommitSpecifier: 'main',
          mergeOption: 'THREE_WAY_MERGE',
          authorName: 'Tester',
          email: 't@example.com',
          commitMessage: 'test merge',
        }),
      );
      const commit = (await cc.send(new GetCommitCommand({ repositoryName: name, commitId: made.commitId }))).commit!;
      expect(commit.parents).toEqual([destination, source]);
      expect(await tip(name, 'main')).toBe(destination);
      expect(await tip(name, 'feature')).toBe(source);
      expect((await bare(id, ['for-each-ref', '--contains', made.commitId!])).trim()).toBe('');
      expect((await bare(id, ['cat-file', '-t', made.commitId!])).trim()).toBe('commit');
      expect(events.map((e) => e.detail)).toEqual([
        expect.objectContaining({
          event: 'unreferencedMergeCommitCreated',
          repositoryName: name,
          repositoryId: id,
          commitId: made.commitId,
          baseCommitId: base,
          sourceCommitId: source,
          destinationCommitId: destination,
          mergeOption: 'THREE_WAY_MERGE',
          conflictDetailsLevel: 'FILE_LEVEL',
          conflictResolutionStrategy: 'NONE',
        }),
      ]);
      // As AWS documents, git can fetch it by its id.
      const git = new GitRunner();
      const work = git.dir('unreferenced');
      await git.ok(['clone', '--quiet', rootUrl(server, name), work]);
      await git.ok(['fetch', '--quiet', 'origin', made.commitId!], { cwd: work });
      expect((await git.ok(['log', '-1', '--format=%P|%an|%s', made.commitId!], { cwd: work })).trim()).toBe(`${destination} ${source}|Tester|test merge`);
      expect(await git.ok(['show', `${made.commitId}:f.txt`], { cwd: work })).toBe('f\n');
      const error = await failure(
        cc.send(new CreateUnreferencedMergeCommitCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', mergeOption: 'FAST_FORWARD_MERGE' })),
      );
      expect(error.name).toBe('InvalidMergeOptionException');
    });
  });

  describe('bad input', () => {
    it('answers every malformed merge with its AWS exception and leaves the branches alone', async () => {
      const { name, id } = await sharedConflict();
      const mainTip = await tip(name, 'main');
      const merge = (input: Record<string, unknown>) =>
        failure(cc.send(new MergeBranchesByThreeWayCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', ...input } as never)));
      const cases: [Record<string, unknown>, string][] = [
        [{ repositoryName: 'no-such-repo' }, 'RepositoryDoesNotExistException'],
        [{ repositoryName: 'bad name!' }, 'InvalidRepositoryNameException'],
        [{ sourceCommitSpecifier: undefined }, 'CommitRequiredException'],
        [{ sourceCommitSpecifier: 'no-such-branch' }, 'CommitDoesNotExistException'],
        [{ destinationCommitSpecifier: '0123456789012345678901234567890123456789' }, 'CommitDoesNotExistException'],
        [{ targetBranch: 'no-such-branch' }, 'BranchDoesNotExistException'],
        [{ targetBranch: 'bad..name' }, 'InvalidTargetBranchException'],
        [{ conflictDetailLevel: 'WORD_LEVEL' }, 'InvalidConflictDetailLevelException'],
        [{ conflictResolutionStrategy: 'MAGIC' }, 'InvalidConflictResolutionStrategyException'],
        [{ email: 'not <an> email' }, 'InvalidEmailException'],
        [{ authorName: 'x'.repeat(1025) }, 'NameLengthExceededException'],
        [{ conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'USE_NEW_CONTENT' }] } }, 'ReplacementContentRequiredException'],
        [{ conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'KEEP_EVERYTHING' }] } }, 'InvalidReplacementTypeException'],
        [{ conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'KEEP_BASE', content: Buffer.from('x') }] } }, 'InvalidReplacementContentException'],
        [{ conflictResolution: { deleteFiles: [{ filePath: 'a.txt' }], replaceContents: [{ filePath: 'a.txt', replacementType: 'KEEP_BASE' }] } }, 'MultipleConflictResolutionEntriesException'],
        [{ conflictResolution: { deleteFiles: Array.from({ length: 101 }, (_, i) => ({ filePath: `f${i}` })) } }, 'MaximumConflictResolutionEntriesExceededException'],
        [{ conflictResolution: { deleteFiles: [{ filePath: 'untouched.txt' }] } }, 'InvalidConflictResolutionException'],
        [{ conflictResolution: { deleteFiles: [{ filePath: 'a/../../etc' }] } }, 'InvalidPathException'],
        [{ conflictResolution: { setFileModes: [{ filePath: 'a.txt' }] } }, 'FileModeRequiredException'],
        [{ conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'USE_NEW_CONTENT', content: Buffer.alloc(6 * 1024 * 1024 + 1) }] } }, 'FileContentSizeLimitExceededException'],
        [{ conflictResolution: { replaceContents: [{ filePath: 'a.txt', replacementType: 'KEEP_SOURCE' }] } }, 'ManualMergeRequiredException'],
      ];
      for (const [input, code] of cases) {
        const error = await merge(input);
        expect([JSON.stringify(input).slice(0, 80), error.name]).toEqual([JSON.stringify(input).slice(0, 80), code]);
        expect(error.$metadata.httpStatusCode).toBe(400);
      }
      expect(await tip(name, 'main')).toBe(mainTip);
      const commitDestination = await failure(cc.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: mainTip })));
      expect(commitDestination.name).toBe('BranchNameRequiredException');
      await bare(id, ['tag', 'v1', mainTip]);
      const tagDestination = await failure(cc.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'v1' })));
      expect(tagDestination.name).toBe('BranchNameIsTagNameException');
      const tagTarget = await failure(cc.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', targetBranch: 'v1' })));
      expect(tagTarget.name).toBe('BranchNameIsTagNameException');
      const blob = (await cc.send(new GetFileCommand({ repositoryName: name, filePath: 'a.txt' }))).blobId!;
      const notCommit = await failure(cc.send(new GetMergeOptionsCommand({ repositoryName: name, sourceCommitSpecifier: blob, destinationCommitSpecifier: 'main' })));
      expect(notCommit.name).toBe('InvalidCommitException');
      const noOption = await failure(cc.send(new CreateUnreferencedMergeCommitCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main' } as never)));
      expect(noOption.name).toBe('MergeOptionRequiredException');
      expect(await tip(name, 'main')).toBe(mainTip);
    });

    it('enforces branch protection on the branch a merge moves', async () => {
      const { name } = await repository();
      await put(name, 'feature', 'f.txt', 'f\n');
      const iam = new IAMClient(server.clientConfig);
      await iam.send(new CreateUserCommand({ UserName: 'merger' }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'merger' }))).AccessKey!;
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'merger',
          PolicyName: 'protect-main',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'codecommit:*', Resource: '*' },
              {
                Effect: 'Deny',
                Action: ['codecommit:MergeBranchesBySquash'],
                Resource: '*',
                Condition: { StringEqualsIfExists: { 'codecommit:References': ['refs/heads/main'] }, Null: { 'codecommit:References': false } },
              },
            ],
          }),
        }),
      );
      const merger = new CodeCommitClient({ ...server.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
      const mainTip = await tip(name, 'main');
      for (const destinationCommitSpecifier of ['main', 'refs/heads/main', 'HEAD']) {
        const denied = await failure(merger.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier })));
        expect(denied.name).toBe('AccessDeniedException');
      }
      expect(await tip(name, 'main')).toBe(mainTip);
      await cc.send(new CreateBranchCommand({ repositoryName: name, branchName: 'staging', commitId: mainTip }));
      const allowed = await merger.send(new MergeBranchesBySquashCommand({ repositoryName: name, sourceCommitSpecifier: 'feature', destinationCommitSpecifier: 'main', targetBranch: 'staging' }));
      expect(await tip(name, 'staging')).toBe(allowed.commitId);
    });
  });
});
