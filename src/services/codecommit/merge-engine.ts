/**
 * The merge engine: resolves a merge analysis's conflicts (explicit conflictResolution entries,
 * then the strategy) and writes the result with `hash-object`/`update-index`/`write-tree`/
 * `commit-tree` in a temporary index, so what it makes is an ordinary Git commit. It never moves a
 * reference: the callers do that with compare-and-swap under the repository lock.
 */
import { join } from 'node:path';
import type { FileModeTypeEnum } from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { GitRepository } from './git.js';
import {
  analyzeMerge,
  type Conflict,
  checkConflictDetailLevel,
  checkConflictResolutionStrategy,
  checkMergeOption,
  cleanResult,
  isMergeable,
  lineMerge,
  type MergeAnalysis,
  type MergeOption,
  parentFolders,
  type ResultEntry,
  type SideName,
  under,
  withTempDir,
} from './merge-analysis.js';
import { FILE_CONTENT_LIMIT, MODE_BY_NAME, normalizePath, type TreeEntry } from './trees.js';

export interface ConflictResolutionInput {
  replaceContents?: { filePath: string; replacementType: string; content?: Uint8Array; fileMode?: string }[];
  deleteFiles?: { filePath: string }[];
  setFileModes?: { filePath: string; fileMode: string }[];
}

export interface MergeRequest {
  git: GitRepository;
  sourceCommitId: string;
  destinationCommitId: string;
  option: MergeOption;
  conflictDetailLevel?: string;
  conflictResolutionStrategy?: string;
  conflictResolution?: ConflictResolutionInput;
  author?: { name: string; email: string };
  commitMessage?: string;
  keepEmptyFolders?: boolean;
  /** Epoch seconds for the commit dates (Drydock clock). */
  time: number;
}

export interface MergeResult {
  commitId: string;
  treeId: string;
  baseCommitId?: string;
}

const REPLACEMENT_TYPES = ['KEEP_BASE', 'KEEP_SOURCE', 'KEEP_DESTINATION', 'USE_NEW_CONTENT'] as const;
type ReplacementType = (typeof REPLACEMENT_TYPES)[number];
/** The most resolution entries one merge takes, as CodeCommit's quota on file entries per commit. */
export const MAX_CONFLICT_RESOLUTION_ENTRIES = 100;
const GITKEEP = '.gitkeep';

interface Resolution {
  replace?: { type: ReplacementType; content?: Buffer; mode?: string };
  remove?: boolean;
  mode?: string;
}

/** Validates a conflictResolution's shape (paths, types, modes, sizes, duplicates) before any merging. */
export function checkConflictResolution(input: ConflictResolutionInput | undefined): Map<string, Resolution> {
  const resolutions = new Map<string, Resolution>();
  if (input === undefined || input === null) return resolutions;
  const replaceContents = input.replaceContents ?? [];
  const deleteFiles = input.deleteFiles ?? [];
  const setFileModes = input.setFileModes ?? [];
  if (replaceContents.length + deleteFiles.length + setFileModes.length > MAX_CONFLICT_RESOLUTION_ENTRIES) {
    throw new AwsError('MaximumConflictResolutionEntriesExceededException', `The number of allowed conflict resolution entries was exceeded. The maximum is ${MAX_CONFLICT_RESOLUTION_ENTRIES}.`);
  }
  const multiple = (path: string) =>
    new AwsError('MultipleConflictResolutionEntriesException', `More than one conflict resolution entries exists for the conflict. A conflict can have only one conflict resolution entry: ${path}`);
  const entryFor = (path: string) => {
    let resolution = resolutions.get(path);
    if (!resolution) {
      resolution = {};
      resolutions.set(path, resolution);
    }
    return resolution;
  };
  for (const item of replaceContents) {
    const path = normalizePath(item?.filePath);
    if (item.replacementType === undefined || item.replacementType === null || (item.replacementType as string) === '') {
      throw new AwsError('ReplacementTypeRequiredException', `A replacement type is required: ${path}`);
    }
    if (!REPLACEMENT_TYPES.includes(item.replacementType as ReplacementType)) {
      throw new AwsError('InvalidReplacementTypeException', `Automerge was specified for resolving the conflict, but the specified replacement type is not valid: ${String(item.replacementType)}`);
    }
    const type = item.replacementType as ReplacementType;
    const content = item.content === undefined || item.content === null ? undefined : Buffer.from(item.content);
    if (type === 'USE_NEW_CONTENT' && content === undefined)
      throw new AwsError('ReplacementContentRequiredException', `USE_NEW_CONTENT was specified, but no replacement content has been provided: ${path}`);
    if (type !== 'USE_NEW_CONTENT' && content !== undefined)
      throw new AwsError(
        'InvalidReplacementContentException',
        `Automerge was specified for resolving the conflict, but the replacement type is not valid or content is missing: content is only allowed with USE_NEW_CONTENT (${path}).`,
      );
    if (content && content.length > FILE_CONTENT_LIMIT)
      throw new AwsError('FileContentSizeLimitExceededException', `The file cannot be added because it is too large. The maximum file size is 6 MB: ${path}`);
    const resolution = entryFor(path);
    if (resolution.replace || resolution.remove) throw multiple(path);
    resolution.replace = { type, content, mode: checkMode(item.fileMode) };
  }
  for (const item of deleteFiles) {
    const path = normalizePath(item?.filePath);
    const resolution = entryFor(path);
    if (resolution.replace || resolution.remove) throw multiple(path);
    resolution.remove = true;
  }
  for (const item of setFileModes) {
    const path = normalizePath(item?.filePath);
    if (item.fileMode === undefined || item.fileMode === null || (item.fileMode as string) === '')
      throw new AwsError('FileModeRequiredException', `The commit cannot be created because no file mode has been specified. A file mode is required to update mode permissions for a file: ${path}`);
    const resolution = entryFor(path);
    if (resolution.mode || resolution.remove) throw multiple(path);
    resolution.mode = checkMode(item.fileMode);
  }
  return resolutions;
}

function checkMode(mode: unknown): string | undefined {
  if (mode === undefined || mode === null) return undefined;
  if (typeof mode !== 'string' || !(mode in MODE_BY_NAME))
    throw new AwsError('InvalidFileModeException', `The specified file mode permission is not valid: ${String(mode)}. Valid file modes are NORMAL, EXECUTABLE and SYMLINK.`);
  return MODE_BY_NAME[mode as FileModeTypeEnum];
}

/** Replaces `root` and everything under it in the result with one side's files. */
function takeSide(analysis: MergeAnalysis, result: Map<string, ResultEntry>, root: string, side: SideName): void {
  for (const path of [...result.keys()]) if (under(path, root)) result.delete(path);
  for (const [path, entry] of analysis.trees[side]) if (under(path, root)) result.set(path, entry);
}

/**
 * The merged files after every conflict is resolved: explicit resolutions first, then the
 * strategy. Throws ManualMergeRequiredException for what neither resolves.
 */
async function resolveConflicts(analysis: MergeAnalysis, resolutions: Map<string, Resolution>): Promise<Map<string, ResultEntry>> {
  const result = new Map(analysis.merged);
  const conflicts = analysis.conflicts;
  const byPath = new Map(conflicts.map((conflict) => [conflict.path, conflict]));
  for (const path of resolutions.keys()) {
    if (!byPath.has(path))
      throw new AwsError('InvalidConflictResolutionException', `The specified conflict resolution list is not valid: ${path} has no merge conflict between the source and destination.`);
  }
  const unresolved: Conflict[] = [];
  for (const conflict of conflicts) {
    const resolution = resolutions.get(conflict.path);
    const { path } = conflict;
    if (resolution?.remove) {
      for (const key of [...result.keys()]) if (under(key, path)) result.delete(key);
    } else if (resolution?.replace) {
      const { type, content, mode } = resolution.replace;
      if (type === 'USE_NEW_CONTENT') {
        for (const key of [...result.keys()]) if (under(key, path)) result.delete(key);
        const existing = conflict.entries.destination ?? conflict.entries.source;
        result.set(path, { mode: mode ?? (existing && existing.mode !== '160000' ? existing.mode : MODE_BY_NAME.NORMAL), content });
      } else {
        takeSide(analysis, result, path, type === 'KEEP_BASE' ? 'base' : type === 'KEEP_SOURCE' ? 'source' : 'destination');
        const kept = result.get(path);
        if (mode && kept) result.set(path, { ...kept, mode });
      }
    } else if (resolution?.mode && contentMerges(analysis, conflict)) {
      // Only the modes disagreed: the content merges by itself, the resolution names the mode.
      result.set(path, cleanResult({ ...conflict, mergedMode: resolution.mode }));
    } else if (analysis.strategy === 'ACCEPT_SOURCE' || analysis.strategy === 'ACCEPT_DESTINATION') {
      await acceptSide(analysis, result, conflict, analysis.strategy === 'ACCEPT_SOURCE' ? 'source' : 'destination');
    } else {
      unresolved.push(conflict);
      continue;
    }
    if (resolution?.mode) {
      const entry = result.get(path);
      if (!entry)
        throw new AwsError(
          'InvalidConflictResolutionException',
          `The specified conflict resolution list is not valid: the file mode of ${path} cannot be set because the resolution deletes the file.`,
        );
      result.set(path, { ...entry, mode: resolution.mode });
    }
  }
  if (unresolved.length > 0) {
    throw new AwsError(
      'ManualMergeRequiredException',
      `The merge cannot be completed automatically: ${unresolved.length} file(s) have conflicts that must be resolved manually (${unresolved.map((c) => c.path).join(', ')}).`,
    );
  }
  return result;
}

/** Whether a conflict's content merges by itself (only its modes disagree) at this detail level and strategy. */
function contentMerges(analysis: MergeAnalysis, conflict: Conflict): boolean {
  if (conflict.folder || conflict.objectTypeConflict) return false;
  if (!conflict.contentConflict) return true;
  return conflict.cleanContent !== undefined && (analysis.detail === 'LINE_LEVEL' || analysis.strategy === 'AUTOMERGE');
}

/**
 * ACCEPT_SOURCE / ACCEPT_DESTINATION: a mode disagreement takes that side's mode; conflicting
 * hunks take that side's lines at LINE_LEVEL (`merge-file --theirs/--ours`); anything else (FILE_LEVEL,
 * binary files, deletions, folders) takes that side's whole file.
 */
async function acceptSide(analysis: MergeAnalysis, result: Map<string, ResultEntry>, conflict: Conflict, side: 'source' | 'destination'): Promise<void> {
  const { base: b, source: s, destination: d } = conflict.entries;
  if (s && d && !conflict.folder && !conflict.objectTypeConflict) {
    const mode = conflict.mergedMode ?? (side === 'source' ? s.mode : d.mode);
    if (contentMerges(analysis, conflict)) {
      result.set(conflict.path, cleanResult({ ...conflict, mergedMode: mode }));
      return;
    }
    if (analysis.detail === 'LINE_LEVEL' && conflict.lineConflicts !== undefined) {
      const content = (entry: TreeEntry | undefined) => (entry ? (analysis.blobs.get(entry.id) ?? Buffer.alloc(0)) : Buffer.alloc(0));
      const merge = await lineMerge(analysis.git, content(b), content(d), content(s), side === 'source' ? 'theirs' : 'ours');
      result.set(conflict.path, { mode, content: merge.content });
      return;
    }
  }
  takeSide(analysis, result, conflict.path, side);
}

/** With keepEmptyFolders, a folder of either side that the merge leaves empty keeps a `.gitkeep`. */
function keepEmptyFolders(analysis: MergeAnalysis, result: Map<string, ResultEntry>): void {
  const folders = (paths: Iterable<string>) => {
    const set = new Set<string>();
    for (const path of paths) for (const folder of parentFolders(path)) set.add(folder);
    return set;
  };
  const kept = folders(result.keys());
  const lost = [...folders([...analysis.trees.source.keys(), ...analysis.trees.destination.keys()])].filter((folder) => !kept.has(folder));
  for (const folder of lost) {
    if (lost.some((other) => other.startsWith(`${folder}/`))) continue;
    result.set(`${folder}/${GITKEEP}`, { mode: MODE_BY_NAME.NORMAL, content: Buffer.alloc(0) });
  }
}

/** Writes the result's new blobs and its tree (in a temporary index); returns the tree id. */
async function writeTree(git: GitRepository, result: Map<string, ResultEntry>): Promise<string> {
  const lines: string[] = [];
  for (const [path, entry] of result) {
    const id = entry.id ?? (await git.run(['hash-object', '-w', '--stdin'], { input: entry.content ?? Buffer.alloc(0) })).stdout.toString('utf8').trim();
    lines.push(`${entry.mode} ${id}\t${path}`);
  }
  return withTempDir(async (dir) => {
    const env = { GIT_INDEX_FILE: join(dir, 'index') };
    if (lines.length > 0) await git.run(['update-index', '-z', '--index-info'], { env, input: `${lines.join('\0')}\0` });
    return (await git.run(['write-tree'], { env })).stdout.toString('utf8').trim();
  });
}

async function treeOf(git: GitRepository, commitId: string): Promise<string> {
  return (await git.run(['rev-parse', `${commitId}^{tree}`])).stdout.toString('utf8').trim();
}

/**
 * Computes the merge commit (for FAST_FORWARD_MERGE: returns the source commit); throws AwsError
 * ManualMergeRequiredException (conflicts left unresolved, or no fast-forward possible),
 * TipsDivergenceExceededException (no common history) or the resolution's validation errors; never
 * moves a ref.
 */
export async function computeMerge(req: MergeRequest): Promise<MergeResult> {
  const option = checkMergeOption(req.option);
  const { git, sourceCommitId, destinationCommitId } = req;
  const resolutions = checkConflictResolution(req.conflictResolution);
  if (option === 'FAST_FORWARD_MERGE') {
    checkConflictDetailLevel(req.conflictDetailLevel);
    checkConflictResolutionStrategy(req.conflictResolutionStrategy);
    if (!(await git.isAncestor(destinationCommitId, sourceCommitId))) {
      throw new AwsError(
        'ManualMergeRequiredException',
        `Cannot fast-forward: the destination commit ${destinationCommitId} is not an ancestor of the source commit ${sourceCommitId}. Use a squash or three-way merge, or merge manually.`,
      );
    }
    return { commitId: sourceCommitId, treeId: await treeOf(git, sourceCommitId), baseCommitId: destinationCommitId };
  }
  const analysis = await analyzeMerge(git, sourceCommitId, destinationCommitId, req.conflictDetailLevel, req.conflictResolutionStrategy);
  const result = await resolveConflicts(analysis, resolutions);
  if (req.keepEmptyFolders) keepEmptyFolders(analysis, result);
  const treeId = await writeTree(git, result);
  // git refuses an empty name and cuts names and emails at `<`, `>` and line breaks.
  const email = (req.author?.email ?? '').replace(/[<>\n]/g, '');
  const author = { name: (req.author?.name ?? '').replace(/[<>\n]/g, '').trim() || email || 'AWS CodeCommit', email };
  const date = `@${Math.floor(req.time)} +0000`;
  const env = {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_COMMITTER_DATE: date,
  };
  const args = ['commit-tree', treeId, '-p', destinationCommitId];
  if (option === 'THREE_WAY_MERGE') args.push('-p', sourceCommitId);
  // A git commit message cannot hold NUL bytes (commit-tree refuses them), so they are dropped.
  const commitId = (await git.run(args, { env, input: (req.commitMessage ?? '').replace(/\0/g, '') })).stdout.toString('utf8').trim();
  return { commitId, treeId, baseCommitId: analysis.baseCommitId };
}

/** Which merge options would complete without manual conflict resolution, and the merge base. */
export async function mergeOptions(
  git: GitRepository,
  sourceCommitId: string,
  destinationCommitId: string,
  conflictDetailLevel?: string,
  conflictResolutionStrategy?: string,
): Promise<{ options: MergeOption[]; baseCommitId: string }> {
  const analysis = await analyzeMerge(git, sourceCommitId, destinationCommitId, conflictDetailLevel, conflictResolutionStrategy);
  const options: MergeOption[] = [];
  if (await git.isAncestor(destinationCommitId, sourceCommitId)) options.push('FAST_FORWARD_MERGE');
  if (isMergeable(analysis)) options.push('SQUASH_MERGE', 'THREE_WAY_MERGE');
  return { options, baseCommitId: analysis.baseCommitId };
}
