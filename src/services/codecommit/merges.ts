/**
 * CodeCommit operations: merges. MergeBranchesByFastForward/Squash/ThreeWay compute the merge
 * with the merge engine and move the target branch by compare-and-swap under the repository lock
 * (ConcurrentReferenceUpdateException when a push got there first), publishing the reference
 * change with AWS's merge fields; CreateUnreferencedMergeCommit writes the same commit without a
 * reference; GetMergeOptions, GetMergeConflicts, DescribeMergeConflicts and
 * BatchDescribeMergeConflicts report what a merge would meet; GetMergeCommit finds the commit that
 * merged a source into a destination.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import type { Principal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { branchRef, type CodeCommitContext, checkBranchName, gitRepository, publishReferenceChange, publishRepositoryStateChange, requireRepository, resolveCommit } from './common.js';
import { type GitRepository, withRepositoryLock } from './git.js';
import {
  analyzeMerge,
  checkConflictDetailLevel,
  checkConflictResolutionStrategy,
  checkMergeOption,
  conflictMetadata,
  describePath,
  isMergeable,
  loadBlobs,
  type MergeAnalysis,
  type MergeOption,
  mergeBase,
} from './merge-analysis.js';
import { type ConflictResolutionInput, checkConflictResolution, computeMerge, mergeOptions } from './merge-engine.js';
import { mergeHunks } from './merge-hunks.js';
import { offsetToken, readOffsetToken } from './paging.js';
import type { RepositoryRow } from './store.js';
import { normalizePath, OBJECT_ID } from './trees.js';

const MAX_NAME_LENGTH = 1024;
const MAX_EMAIL_LENGTH = 256;
const MAX_MESSAGE_BYTES = 256 * 1024;
const DEFAULT_MAX_CONFLICT_FILES = 100;

/** The author and committer of a merge commit: the given name, else the caller's IAM name (as commits.ts does). */
function identity(principal: Principal, name: unknown, email: unknown): { name: string; email: string } {
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)) {
    throw new AwsError('NameLengthExceededException', `The user name is not valid because it has exceeded the character limit for author names (${MAX_NAME_LENGTH}).`);
  }
  if (email !== undefined && email !== null && email !== '') {
    if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH || /[\s<>]/.test(email)) {
      throw new AwsError(
        'InvalidEmailException',
        `The specified email address either contains one or more characters that are not allowed, or it exceeds the maximum number of characters allowed for an email address: ${String(email)}`,
      );
    }
  }
  const fallback = principal.userName ?? principal.sessionName ?? principal.arn.slice(principal.arn.lastIndexOf(':') + 1);
  // git refuses names made only of `<`, `>` and line breaks, and would cut a name at them.
  const given = typeof name === 'string' ? name.replace(/[<>\n]/g, '').trim() : '';
  return { name: given !== '' ? given : fallback, email: typeof email === 'string' ? email : '' };
}

function checkMessage(message: unknown): string | undefined {
  if (message === undefined || message === null) return undefined;
  if (typeof message !== 'string' || Buffer.byteLength(message) > MAX_MESSAGE_BYTES)
    throw new AwsError('CommitMessageLengthExceededException', 'The commit message is too long. Provide a shorter string.');
  return message;
}

function checkMax(value: unknown, error: string, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new AwsError(error, `The specified value for the number of ${what} to return is not valid: ${String(value)}`);
  return value;
}

/** The two commit specifiers a merge names, present (CommitRequiredException) and as strings. */
function specifiers(input: { sourceCommitSpecifier?: unknown; destinationCommitSpecifier?: unknown }): { source: string; destination: string } {
  const { sourceCommitSpecifier: source, destinationCommitSpecifier: destination } = input;
  for (const specifier of [source, destination]) {
    if (specifier === undefined || specifier === null || specifier === '') throw new AwsError('CommitRequiredException', 'A commit was not specified.');
    if (typeof specifier !== 'string') throw new AwsError('InvalidCommitException', `The specified commit is not valid: ${String(specifier)}`);
  }
  return { source: source as string, destination: destination as string };
}

/** A commit specifier's commit: InvalidCommitException when it names an object that is no commit. */
async function commitOf(c: CodeCommitContext, row: RepositoryRow, git: GitRepository, specifier: string, invalidError = 'InvalidCommitException'): Promise<string> {
  if (OBJECT_ID.test(specifier)) {
    const type = await git.objectType(specifier);
    if (type !== undefined && type !== 'commit' && type !== 'tag') throw new AwsError(invalidError, `The specified commit is not valid: ${specifier} is a ${type}, not a commit.`);
  }
  return resolveCommit(c, row, specifier);
}

/** The branch a merge without targetBranch moves: the one the destination specifier names. */
async function destinationBranch(row: RepositoryRow, git: GitRepository, specifier: string): Promise<string> {
  if (specifier === 'HEAD' && row.default_branch) return row.default_branch;
  const name = specifier.replace(/^refs\/heads\//, '');
  if (!OBJECT_ID.test(name) && (await git.refCommit(branchRef(name)))) return name;
  if (await git.refCommit(`refs/tags/${name}`))
    throw new AwsError('BranchNameIsTagNameException', `The specified branch name is not valid because it is a tag name: ${name}. Specify the targetBranch to merge into.`);
  throw new AwsError('BranchNameRequiredException', `A branch name is required: the destination ${specifier} is not a branch, so specify the targetBranch to merge into.`);
}

/** A token page of a list, bound to the request that made the token. */
function page<T>(items: T[], token: unknown, scope: string, max: number): { items: T[]; nextToken?: string } {
  const offset = readOffsetToken(token, scope);
  const end = offset + max;
  return { items: items.slice(offset, end), nextToken: end < items.length ? offsetToken(end, scope) : undefined };
}

/** Epoch seconds for commit dates, by the Drydock clock. */
const now = (c: CodeCommitContext): number => Math.floor(c.rt.clock.now() / 1000);

/**
 * The checked settings of a merge that creates a commit: conflict handling (a fast-forward has
 * none), author, message and explicit resolutions, as computeMerge takes them.
 */
function mergeSettings(input: CC.MergeBranchesBySquashInput, ctx: RequestContext, option: MergeOption) {
  const fastForward = option === 'FAST_FORWARD_MERGE';
  const conflictResolution = input.conflictResolution as ConflictResolutionInput | undefined;
  const settings = {
    conflictDetailLevel: fastForward ? undefined : checkConflictDetailLevel(input.conflictDetailLevel),
    conflictResolutionStrategy: fastForward ? undefined : checkConflictResolutionStrategy(input.conflictResolutionStrategy),
    author: identity(ctx.principal, input.authorName, input.email),
    commitMessage: checkMessage(input.commitMessage),
    conflictResolution,
    keepEmptyFolders: input.keepEmptyFolders === true,
  };
  checkConflictResolution(conflictResolution);
  return settings;
}

/** Everything a merge into a branch shares: validation, the merge, the compare-and-swap move and its event. */
async function mergeBranches(c: CodeCommitContext, input: CC.MergeBranchesBySquashInput, ctx: RequestContext, option: MergeOption): Promise<CC.MergeBranchesBySquashOutput> {
  const target = input.targetBranch === undefined || input.targetBranch === null ? undefined : checkBranchName(input.targetBranch, 'BranchNameRequiredException', 'InvalidTargetBranchException');
  const row = requireRepository(c, ctx, input.repositoryName);
  const { destination } = specifiers(input);
  const settings = mergeSettings(input, ctx, option);
  const { conflictDetailLevel: detail, conflictResolutionStrategy: strategy } = settings;
  return withRepositoryLock(row.id, async () => {
    const { git, sourceCommitId, destinationCommitId } = await commits(c, row, input);
    const branch = target ?? (await destinationBranch(row, git, destination));
    const ref = branchRef(branch);
    const oldCommitId = await git.refCommit(ref);
    if (!oldCommitId) {
      if (await git.refCommit(`refs/tags/${branch}`)) throw new AwsError('BranchNameIsTagNameException', `The specified branch name is a tag name, not a branch: ${branch}`);
      throw new AwsError('BranchDoesNotExistException', `The specified branch does not exist: ${branch}`);
    }
    const result = await computeMerge({ git, sourceCommitId, destinationCommitId, option, ...settings, time: now(c) });
    if (result.commitId !== oldCommitId) {
      if (!(await git.updateRef(ref, result.commitId, oldCommitId))) {
        throw new AwsError(
          'ConcurrentReferenceUpdateException',
          `The merge cannot be completed because the target branch ${branch} has been modified. Another user might have modified the target branch while the merge was in progress. Wait a few minutes, and then try again.`,
        );
      }
      const extra: Record<string, unknown> = { baseCommitId: result.baseCommitId, sourceCommitId, destinationCommitId, mergeOption: option };
      if (option !== 'FAST_FORWARD_MERGE') Object.assign(extra, { conflictDetailsLevel: detail, conflictResolutionStrategy: strategy });
      publishReferenceChange(c, row, { event: 'referenceUpdated', refName: ref, commitId: result.commitId, oldCommitId, callerUserArn: ctx.principal.arn, extra });
    }
    return { commitId: result.commitId, treeId: result.treeId };
  });
}

/** The commits a request's specifiers name, in its repository; `invalid` names the error for a specifier that is no commit. */
async function commits(
  c: CodeCommitContext,
  row: RepositoryRow,
  input: { sourceCommitSpecifier?: string; destinationCommitSpecifier?: string },
  invalid = { source: 'InvalidCommitException', destination: 'InvalidCommitException' },
) {
  const { source, destination } = specifiers(input);
  const git = gitRepository(c, row);
  const sourceCommitId = await commitOf(c, row, git, source, invalid.source);
  const destinationCommitId = await commitOf(c, row, git, destination, invalid.destination);
  return { git, sourceCommitId, destinationCommitId };
}

/** A squash or three-way analysis for the conflict reports (fast-forward has no conflicts to describe). */
async function conflictAnalysis(
  c: CodeCommitContext,
  input: { repositoryName?: string; sourceCommitSpecifier?: string; destinationCommitSpecifier?: string; mergeOption?: string; conflictDetailLevel?: string; conflictResolutionStrategy?: string },
  ctx: RequestContext,
): Promise<{ analysis: MergeAnalysis; scope: string }> {
  const row = requireRepository(c, ctx, input.repositoryName);
  const option = checkMergeOption(input.mergeOption);
  const detail = checkConflictDetailLevel(input.conflictDetailLevel);
  const strategy = checkConflictResolutionStrategy(input.conflictResolutionStrategy);
  if (option === 'FAST_FORWARD_MERGE')
    throw new AwsError('InvalidMergeOptionException', 'Merge conflicts can only be described for the SQUASH_MERGE and THREE_WAY_MERGE options: a fast-forward merge has no conflicts.');
  const { git, sourceCommitId, destinationCommitId } = await commits(c, row, input);
  const analysis = await analyzeMerge(git, sourceCommitId, destinationCommitId, detail, strategy);
  return { analysis, scope: [sourceCommitId, destinationCommitId, option, detail, strategy].join(':') };
}

export function mergesHandlers(c: CodeCommitContext): Handlers {
  return {
    MergeBranchesByFastForward(input: CC.MergeBranchesByFastForwardInput, ctx: RequestContext): Promise<CC.MergeBranchesByFastForwardOutput> {
      return mergeBranches(c, input, ctx, 'FAST_FORWARD_MERGE');
    },

    MergeBranchesBySquash(input: CC.MergeBranchesBySquashInput, ctx: RequestContext): Promise<CC.MergeBranchesBySquashOutput> {
      return mergeBranches(c, input, ctx, 'SQUASH_MERGE');
    },

    MergeBranchesByThreeWay(input: CC.MergeBranchesByThreeWayInput, ctx: RequestContext): Promise<CC.MergeBranchesByThreeWayOutput> {
      return mergeBranches(c, input, ctx, 'THREE_WAY_MERGE');
    },

    async CreateUnreferencedMergeCommit(input: CC.CreateUnreferencedMergeCommitInput, ctx: RequestContext): Promise<CC.CreateUnreferencedMergeCommitOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const option = checkMergeOption(input.mergeOption);
      if (option === 'FAST_FORWARD_MERGE')
        throw new AwsError('InvalidMergeOptionException', 'An unreferenced merge commit cannot be created with the FAST_FORWARD_MERGE option, which creates no merge commit.');
      const settings = mergeSettings(input, ctx, option);
      const { conflictDetailLevel: detail, conflictResolutionStrategy: strategy } = settings;
      const { git, sourceCommitId, destinationCommitId } = await commits(c, row, input);
      const result = await computeMerge({ git, sourceCommitId, destinationCommitId, option, ...settings, time: now(c) });
      publishRepositoryStateChange(c, row, {
        callerUserArn: ctx.principal.arn,
        event: 'unreferencedMergeCommitCreated',
        repositoryName: row.name,
        repositoryId: row.id,
        commitId: result.commitId,
        baseCommitId: result.baseCommitId,
        sourceCommitId,
        destinationCommitId,
        mergeOption: option,
        conflictDetailsLevel: detail,
        conflictResolutionStrategy: strategy,
      });
      return { commitId: result.commitId, treeId: result.treeId };
    },

    async GetMergeOptions(input: CC.GetMergeOptionsInput, ctx: RequestContext): Promise<CC.GetMergeOptionsOutput> {
      checkConflictDetailLevel(input.conflictDetailLevel);
      checkConflictResolutionStrategy(input.conflictResolutionStrategy);
      const { git, sourceCommitId, destinationCommitId } = await commits(c, requireRepository(c, ctx, input.repositoryName), input);
      const { options, baseCommitId } = await mergeOptions(git, sourceCommitId, destinationCommitId, input.conflictDetailLevel, input.conflictResolutionStrategy);
      return { mergeOptions: options, sourceCommitId, destinationCommitId, baseCommitId };
    },

    async GetMergeCommit(input: CC.GetMergeCommitInput, ctx: RequestContext): Promise<CC.GetMergeCommitOutput> {
      checkConflictDetailLevel(input.conflictDetailLevel);
      checkConflictResolutionStrategy(input.conflictResolutionStrategy);
      const { git, sourceCommitId, destinationCommitId } = await commits(c, requireRepository(c, ctx, input.repositoryName), input);
      const baseCommitId = await git.mergeBase(destinationCommitId, sourceCommitId);
      const output: CC.GetMergeCommitOutput = { sourceCommitId, destinationCommitId, baseCommitId };
      // The merge commit is the first commit on the destination's history that has the source as a
      // parent; a fast-forward (or squash) leaves none.
      if (sourceCommitId !== destinationCommitId && baseCommitId === sourceCommitId) {
        const { stdout } = await git.run(['rev-list', '--ancestry-path', '--parents', '--reverse', '--min-parents=2', `${sourceCommitId}..${destinationCommitId}`]);
        const merge = stdout
          .toString('utf8')
          .split('\n')
          .map((line) => line.split(' '))
          .find((ids) => ids.slice(1).includes(sourceCommitId));
        if (merge) output.mergedCommitId = merge[0];
      }
      return output;
    },

    async GetMergeConflicts(input: CC.GetMergeConflictsInput, ctx: RequestContext): Promise<CC.GetMergeConflictsOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const option = checkMergeOption(input.mergeOption);
      const detail = checkConflictDetailLevel(input.conflictDetailLevel);
      const strategy = checkConflictResolutionStrategy(input.conflictResolutionStrategy);
      const max = checkMax(input.maxConflictFiles, 'InvalidMaxConflictFilesException', 'conflict files') ?? DEFAULT_MAX_CONFLICT_FILES;
      const { git, sourceCommitId, destinationCommitId } = await commits(c, row, input, { source: 'InvalidSourceCommitSpecifierException', destination: 'InvalidDestinationCommitSpecifierException' });
      const scope = [sourceCommitId, destinationCommitId, option, detail, strategy].join(':');
      if (option === 'FAST_FORWARD_MERGE') {
        readOffsetToken(input.nextToken, scope);
        const baseCommitId = await mergeBase(git, sourceCommitId, destinationCommitId);
        return { mergeable: baseCommitId === destinationCommitId, sourceCommitId, destinationCommitId, baseCommitId, conflictMetadataList: [] };
      }
      const analysis = await analyzeMerge(git, sourceCommitId, destinationCommitId, detail, strategy);
      const { items, nextToken } = page(analysis.conflicts, input.nextToken, scope, max);
      return {
        mergeable: isMergeable(analysis),
        sourceCommitId,
        destinationCommitId,
        baseCommitId: analysis.baseCommitId,
        conflictMetadataList: items.map((conflict) => conflictMetadata(analysis, conflict)),
        nextToken,
      };
    },

    async DescribeMergeConflicts(input: CC.DescribeMergeConflictsInput, ctx: RequestContext): Promise<CC.DescribeMergeConflictsOutput> {
      const max = checkMax(input.maxMergeHunks, 'InvalidMaxMergeHunksException', 'merge hunks');
      const path = normalizePath(input.filePath);
      const { analysis, scope } = await conflictAnalysis(c, input, ctx);
      await loadBlobs(analysis, [path]);
      const conflictMetadata = describePath(analysis, path);
      if (!conflictMetadata) throw new AwsError('FileDoesNotExistException', `The specified file does not exist in the source, the destination or their merge base: ${path}`);
      const hunks = await mergeHunks(analysis, path);
      const { items, nextToken } = page(hunks, input.nextToken, `${scope}:${path}`, max ?? Math.max(hunks.length, 1));
      return {
        conflictMetadata,
        mergeHunks: items,
        nextToken,
        sourceCommitId: analysis.sourceCommitId,
        destinationCommitId: analysis.destinationCommitId,
        baseCommitId: analysis.baseCommitId,
      };
    },

    async BatchDescribeMergeConflicts(input: CC.BatchDescribeMergeConflictsInput, ctx: RequestContext): Promise<CC.BatchDescribeMergeConflictsOutput> {
      const maxHunks = checkMax(input.maxMergeHunks, 'InvalidMaxMergeHunksException', 'merge hunks');
      const maxFiles = checkMax(input.maxConflictFiles, 'InvalidMaxConflictFilesException', 'conflict files') ?? DEFAULT_MAX_CONFLICT_FILES;
      const { analysis, scope } = await conflictAnalysis(c, input, ctx);
      const errors: CC.BatchDescribeMergeConflictsError[] = [];
      let conflicts = analysis.conflicts;
      if (input.filePaths && input.filePaths.length > 0) {
        const wanted = new Set<string>();
        for (const raw of input.filePaths) {
          try {
            const path = normalizePath(raw);
            if (!Object.values(analysis.trees).some((tree) => tree.has(path)) && !analysis.conflicts.some((conflict) => conflict.path === path)) {
              errors.push({ filePath: path, exceptionName: 'FileDoesNotExistException', message: `The specified file does not exist: ${path}` });
            }
            wanted.add(path);
          } catch (err) {
            if (!(err instanceof AwsError)) throw err;
            errors.push({ filePath: String(raw), exceptionName: err.code, message: err.message });
          }
        }
        conflicts = conflicts.filter((conflict) => wanted.has(conflict.path));
      }
      const { items, nextToken } = page(conflicts, input.nextToken, `${scope}:${[...(input.filePaths ?? [])].join('\0')}`, maxFiles);
      const described: CC.Conflict[] = [];
      for (const conflict of items) {
        const hunks = await mergeHunks(analysis, conflict.path);
        described.push({ conflictMetadata: conflictMetadata(analysis, conflict), mergeHunks: maxHunks === undefined ? hunks : hunks.slice(0, maxHunks) });
      }
      return {
        conflicts: described,
        errors,
        nextToken,
        sourceCommitId: analysis.sourceCommitId,
        destinationCommitId: analysis.destinationCommitId,
        baseCommitId: analysis.baseCommitId,
      };
    },
  };
}
