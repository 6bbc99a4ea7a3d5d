/**
 * Merge analysis for CodeCommit's merge operations (MergeBranchesBy*, CreateUnreferencedMergeCommit,
 * GetMergeConflicts, DescribeMergeConflicts …) and pull request merges. It works on the real bare
 * repository: the three trees (merge base, source, destination) are listed with `ls-tree`, and
 * every file changed on both sides is line-merged with `git merge-file` (git's own three-way
 * merge). merge-hunks.ts describes a file's hunks; merge-engine.ts resolves conflicts and writes
 * the merge commit.
 *
 * Conflict semantics, as AWS documents them:
 * - FILE_LEVEL (default): a file whose content both sides changed differently is a conflict, even
 *   when its changes touch different lines. LINE_LEVEL: only when git's line merge conflicts.
 * - AUTOMERGE line-merges what can be merged (at FILE_LEVEL too); ACCEPT_SOURCE/ACCEPT_DESTINATION
 *   resolve every conflict to that side (at LINE_LEVEL hunk by hunk, as `merge-file --theirs/--ours`;
 *   at FILE_LEVEL the whole file); NONE leaves conflicts for `conflictResolution` or fails with
 *   ManualMergeRequiredException.
 * - File mode and object type (file/symlink/submodule/folder) disagreements are always conflicts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeTypeEnum, ConflictMetadata, FileModeTypeEnum, ObjectTypeEnum } from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { GitRepository } from './git.js';
import { NAME_BY_MODE, parseLsTree, readObjects, type TreeEntry } from './trees.js';

export type MergeOption = 'FAST_FORWARD_MERGE' | 'SQUASH_MERGE' | 'THREE_WAY_MERGE';
export type ConflictDetailLevel = 'FILE_LEVEL' | 'LINE_LEVEL';
export type ConflictResolutionStrategy = 'NONE' | 'ACCEPT_SOURCE' | 'ACCEPT_DESTINATION' | 'AUTOMERGE';

const MERGE_OPTIONS: readonly MergeOption[] = ['FAST_FORWARD_MERGE', 'SQUASH_MERGE', 'THREE_WAY_MERGE'];
const DETAIL_LEVELS: readonly ConflictDetailLevel[] = ['FILE_LEVEL', 'LINE_LEVEL'];
const STRATEGIES: readonly ConflictResolutionStrategy[] = ['NONE', 'ACCEPT_SOURCE', 'ACCEPT_DESTINATION', 'AUTOMERGE'];
/** Git looks at the first 8000 bytes for a NUL to call a file binary; so does the conflict report. */
const BINARY_PROBE = 8000;

export function checkMergeOption(value: unknown): MergeOption {
  if (value === undefined || value === null || value === '') throw new AwsError('MergeOptionRequiredException', 'A merge option or stategy is required, and none was provided.');
  if (!MERGE_OPTIONS.includes(value as MergeOption))
    throw new AwsError(
      'InvalidMergeOptionException',
      `The specified merge option is not valid for this operation: ${String(value)}. Valid merge options are FAST_FORWARD_MERGE, SQUASH_MERGE and THREE_WAY_MERGE.`,
    );
  return value as MergeOption;
}

export function checkConflictDetailLevel(value: unknown): ConflictDetailLevel {
  if (value === undefined || value === null) return 'FILE_LEVEL';
  if (!DETAIL_LEVELS.includes(value as ConflictDetailLevel)) throw new AwsError('InvalidConflictDetailLevelException', `The specified conflict detail level is not valid: ${String(value)}`);
  return value as ConflictDetailLevel;
}

export function checkConflictResolutionStrategy(value: unknown): ConflictResolutionStrategy {
  if (value === undefined || value === null) return 'NONE';
  if (!STRATEGIES.includes(value as ConflictResolutionStrategy))
    throw new AwsError('InvalidConflictResolutionStrategyException', `The specified conflict resolution strategy is not valid: ${String(value)}`);
  return value as ConflictResolutionStrategy;
}

export type SideName = 'base' | 'source' | 'destination';
export const SIDES: readonly SideName[] = ['base', 'source', 'destination'];
type Tree = Map<string, TreeEntry>;

/** One path both sides changed in ways that disagree. */
export interface Conflict {
  path: string;
  /** A file on one side and a folder on the other: the conflict covers `path` and everything under it. */
  folder: boolean;
  entries: Partial<Record<SideName, TreeEntry>>;
  objectTypes: Partial<Record<SideName, ObjectTypeEnum>>;
  contentConflict: boolean;
  fileModeConflict: boolean;
  objectTypeConflict: boolean;
  /** Conflicting hunks of git's line merge; undefined when the file cannot be line-merged (binary, symlink, deleted …). */
  lineConflicts?: number;
  /** The line-merged content when git merged it without conflicts. */
  cleanContent?: Buffer;
  /** The mode the merge keeps when the modes do not conflict. */
  mergedMode?: string;
  /** Whether this detail level and strategy leave the conflict for someone to resolve (false for paths only described). */
  reported: boolean;
}

/** What merging two commits means, before anything is resolved or written. */
export interface MergeAnalysis {
  git: GitRepository;
  sourceCommitId: string;
  destinationCommitId: string;
  baseCommitId: string;
  detail: ConflictDetailLevel;
  strategy: ConflictResolutionStrategy;
  trees: Record<SideName, Tree>;
  /** The merge of everything that is not a reported conflict (paths in conflict hold the destination's side). */
  merged: Map<string, ResultEntry>;
  /** The conflicts this detail level and strategy leave for someone to resolve, in path order (ACCEPT_* resolves them when merging). */
  conflicts: Conflict[];
  blobs: Map<string, Buffer>;
}

/** A file of the merge result: an existing object, or content still to be written. */
export interface ResultEntry {
  mode: string;
  id?: string;
  content?: Buffer;
}

const sameEntry = (a: TreeEntry | undefined, b: TreeEntry | undefined): boolean => (a === undefined || b === undefined ? a === b : a.mode === b.mode && a.id === b.id);
export const isRegular = (e: TreeEntry | undefined): e is TreeEntry => e !== undefined && (e.mode === '100644' || e.mode === '100755');

function objectType(mode: string): ObjectTypeEnum {
  if (mode === '120000') return 'SYMBOLIC_LINK';
  if (mode === '160000') return 'GIT_LINK';
  if (mode === '040000') return 'DIRECTORY';
  return 'FILE';
}

export function isBinary(content: Buffer | undefined): boolean {
  return content?.subarray(0, BINARY_PROBE).includes(0) ?? false;
}

/** Every file and submodule of a commit, by full path. */
async function flatTree(git: GitRepository, commitId: string): Promise<Tree> {
  const { stdout } = await git.run(['ls-tree', '-r', '-z', commitId]);
  return parseLsTree(stdout);
}

export function parentFolders(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

export const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/** A temporary directory for git's file-based tools, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'drydock-merge-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * git's three-way line merge of one file (destination is "ours", source is "theirs"): the merged
 * content and its number of conflicting hunks; `favor` resolves those hunks to one side.
 */
export async function lineMerge(git: GitRepository, base: Buffer, destination: Buffer, source: Buffer, favor?: 'ours' | 'theirs'): Promise<{ content: Buffer; conflicts: number }> {
  return withTempDir(async (dir) => {
    const files = { ours: join(dir, 'destination'), base: join(dir, 'base'), theirs: join(dir, 'source') };
    await Promise.all([writeFile(files.ours, destination), writeFile(files.base, base), writeFile(files.theirs, source)]);
    const args = ['merge-file', '-p', '-L', 'destination', '-L', 'base', '-L', 'source'];
    if (favor) args.push(`--${favor}`);
    args.push(files.ours, files.base, files.theirs);
    // The exit code is the number of conflicts (capped at 127); anything above is a failure.
    const okCodes = Array.from({ length: 127 }, (_, i) => i + 1);
    const { stdout, code } = await git.run(args, { okCodes });
    return { content: stdout, conflicts: code };
  });
}

/** The merge base of two commits; TipsDivergenceExceededException when they share no history. */
export async function mergeBase(git: GitRepository, sourceCommitId: string, destinationCommitId: string): Promise<string> {
  const baseCommitId = await git.mergeBase(destinationCommitId, sourceCommitId);
  if (baseCommitId) return baseCommitId;
  throw new AwsError(
    'TipsDivergenceExceededException',
    `The divergence between the tips of the provided commit specifiers is too great to determine whether there might be any merge conflicts. Locally compare the specifiers using git diff or a diff tool. (${sourceCommitId} and ${destinationCommitId} have no common ancestor.)`,
  );
}

/**
 * Merges two commits in memory: which paths merge by themselves, which conflict, and how (see the
 * header). Throws TipsDivergenceExceededException when the commits share no history.
 */
export async function analyzeMerge(git: GitRepository, sourceCommitId: string, destinationCommitId: string, conflictDetailLevel?: string, conflictResolutionStrategy?: string): Promise<MergeAnalysis> {
  const detail = checkConflictDetailLevel(conflictDetailLevel);
  const strategy = checkConflictResolutionStrategy(conflictResolutionStrategy);
  const baseCommitId = await mergeBase(git, sourceCommitId, destinationCommitId);
  const [base, source, destination] = await Promise.all([flatTree(git, baseCommitId), flatTree(git, sourceCommitId), flatTree(git, destinationCommitId)]);
  const trees = { base, source, destination };
  const merged = new Map<string, ResultEntry>(destination);
  const changedBoth: string[] = [];
  for (const path of new Set([...base.keys(), ...source.keys(), ...destination.keys()])) {
    const b = base.get(path);
    const s = source.get(path);
    const d = destination.get(path);
    if (sameEntry(s, d) || sameEntry(s, b)) continue;
    if (sameEntry(d, b)) {
      if (s) merged.set(path, s);
      else merged.delete(path);
      continue;
    }
    changedBoth.push(path);
    // Tentatively keep whichever side still has the file, so folder/file clashes show below.
    if (!d && s) merged.set(path, s);
  }

  // A file on one side where the other side has a folder: the outermost such path is the conflict.
  const folderRoots = new Set<string>();
  for (const path of merged.keys()) for (const folder of parentFolders(path)) if (merged.has(folder)) folderRoots.add(folder);
  for (const root of [...folderRoots]) if (parentFolders(root).some((folder) => folderRoots.has(folder))) folderRoots.delete(root);

  const conflicts: Conflict[] = [];
  for (const root of folderRoots) conflicts.push(folderConflict(root, trees));
  const fileConflicts = changedBoth.filter((path) => ![...folderRoots].some((root) => under(path, root)));
  const blobIds = new Set<string>();
  for (const path of fileConflicts)
    for (const side of SIDES) {
      const entry = trees[side].get(path);
      if (entry?.type === 'blob') blobIds.add(entry.id);
    }
  const objects = await readObjects(git, [...blobIds]);
  const blobs = new Map([...objects].map(([id, object]) => [id, object.content]));
  for (const path of fileConflicts) {
    const conflict = await fileConflict(git, path, trees, blobs, detail, strategy);
    if (conflict.reported) conflicts.push(conflict);
    else merged.set(path, cleanResult(conflict));
  }
  conflicts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { git, sourceCommitId, destinationCommitId, baseCommitId, detail, strategy, trees, merged, conflicts, blobs };
}

/** What a conflict that merged by itself contributes: the line-merged content and the merged mode. */
export function cleanResult(conflict: Conflict): ResultEntry {
  const { source: s, destination: d, base: b } = conflict.entries as Required<Conflict['entries']>;
  const mode = conflict.mergedMode ?? d.mode;
  if (conflict.cleanContent) return { mode, content: conflict.cleanContent };
  return { mode, id: s.id === b?.id ? d.id : s.id };
}

function folderConflict(root: string, trees: Record<SideName, Tree>): Conflict {
  const entries: Partial<Record<SideName, TreeEntry>> = {};
  const objectTypes: Partial<Record<SideName, ObjectTypeEnum>> = {};
  for (const side of SIDES) {
    const entry = trees[side].get(root);
    if (entry) {
      entries[side] = entry;
      objectTypes[side] = objectType(entry.mode);
    } else if ([...trees[side].keys()].some((path) => path.startsWith(`${root}/`))) {
      objectTypes[side] = 'DIRECTORY';
    }
  }
  return { path: root, folder: true, entries, objectTypes, contentConflict: false, fileModeConflict: false, objectTypeConflict: true, reported: true };
}

async function fileConflict(
  git: GitRepository,
  path: string,
  trees: Record<SideName, Tree>,
  blobs: Map<string, Buffer>,
  detail: ConflictDetailLevel,
  strategy: ConflictResolutionStrategy,
): Promise<Conflict> {
  const b = trees.base.get(path);
  const s = trees.source.get(path);
  const d = trees.destination.get(path);
  const entries: Partial<Record<SideName, TreeEntry>> = {};
  const objectTypes: Partial<Record<SideName, ObjectTypeEnum>> = {};
  for (const [side, entry] of [
    ['base', b],
    ['source', s],
    ['destination', d],
  ] as const) {
    if (!entry) continue;
    entries[side] = entry;
    objectTypes[side] = objectType(entry.mode);
  }
  const objectTypeConflict = s !== undefined && d !== undefined && objectType(s.mode) !== objectType(d.mode);
  // A deletion against any change is a content conflict (git's modify/delete).
  const contentConflict = !s || !d || (s.id !== d.id && s.id !== b?.id && d.id !== b?.id);
  const fileModeConflict = s !== undefined && d !== undefined && !objectTypeConflict && s.mode !== d.mode && s.mode !== b?.mode && d.mode !== b?.mode;
  const conflict: Conflict = { path, folder: false, entries, objectTypes, contentConflict, fileModeConflict, objectTypeConflict, reported: false };
  if (s && d && !fileModeConflict && !objectTypeConflict) conflict.mergedMode = s.mode === d.mode || s.mode === b?.mode ? d.mode : s.mode;
  const content = (entry: TreeEntry | undefined) => (entry ? blobs.get(entry.id) : Buffer.alloc(0));
  const lineMergeable = contentConflict && isRegular(s) && isRegular(d) && (!b || isRegular(b)) && [b, s, d].every((entry) => !isBinary(content(entry)));
  if (lineMergeable) {
    const merge = await lineMerge(git, content(b) ?? Buffer.alloc(0), content(d) ?? Buffer.alloc(0), content(s) ?? Buffer.alloc(0));
    conflict.lineConflicts = merge.conflicts;
    if (merge.conflicts === 0) conflict.cleanContent = merge.content;
  }
  const mergesByLines = conflict.lineConflicts === 0 && (detail === 'LINE_LEVEL' || strategy === 'AUTOMERGE');
  conflict.reported = objectTypeConflict || fileModeConflict || (contentConflict && !mergesByLines);
  return conflict;
}

function mergeOperation(conflict: Conflict, side: 'source' | 'destination', trees: Record<SideName, Tree>): ChangeTypeEnum | undefined {
  const has = (name: SideName) => conflict.objectTypes[name] !== undefined;
  if (!has('base')) return has(side) ? 'A' : undefined;
  if (!has(side)) return 'D';
  if (!conflict.folder) return sameEntry(conflict.entries[side], conflict.entries.base) ? undefined : 'M';
  const signature = (name: SideName) =>
    [...trees[name]]
      .filter(([path]) => under(path, conflict.path))
      .map(([path, e]) => `${path} ${e.mode} ${e.id}`)
      .join('\n');
  return signature(side) === signature('base') ? undefined : 'M';
}

/** A conflict as CodeCommit's ConflictMetadata. */
export function conflictMetadata(analysis: MergeAnalysis, conflict: Conflict): ConflictMetadata {
  const fileSizes: Record<string, number> = {};
  const fileModes: Record<string, FileModeTypeEnum> = {};
  const isBinaryFile: Record<string, boolean> = {};
  for (const side of SIDES) {
    const entry = conflict.entries[side];
    if (!entry) continue;
    const mode = NAME_BY_MODE[entry.mode];
    if (mode) fileModes[side] = mode;
    const content = entry.type === 'blob' ? analysis.blobs.get(entry.id) : undefined;
    if (content) {
      fileSizes[side] = content.length;
      isBinaryFile[side] = isBinary(content);
    }
  }
  const mergeOperations: Record<string, ChangeTypeEnum> = {};
  for (const side of ['source', 'destination'] as const) {
    const operation = mergeOperation(conflict, side, analysis.trees);
    if (operation) mergeOperations[side] = operation;
  }
  return {
    filePath: conflict.path,
    fileSizes,
    fileModes,
    objectTypes: conflict.objectTypes,
    numberOfConflicts: conflict.reported ? Math.max(1, conflict.lineConflicts ?? 0) : 0,
    isBinaryFile,
    contentConflict: conflict.contentConflict,
    fileModeConflict: conflict.fileModeConflict,
    objectTypeConflict: conflict.objectTypeConflict,
    mergeOperations,
  };
}

/** Whether the merge completes without a conflictResolution: no conflicts, or a strategy that takes one side. */
export function isMergeable(analysis: MergeAnalysis): boolean {
  return analysis.strategy === 'ACCEPT_SOURCE' || analysis.strategy === 'ACCEPT_DESTINATION' || analysis.conflicts.length === 0;
}

/** ConflictMetadata for any path of the merge, whether or not it conflicts; undefined when no side has it. */
export function describePath(analysis: MergeAnalysis, path: string): ConflictMetadata | undefined {
  const conflict = analysis.conflicts.find((c) => c.path === path);
  if (conflict) return conflictMetadata(analysis, conflict);
  const entries: Partial<Record<SideName, TreeEntry>> = {};
  const objectTypes: Partial<Record<SideName, ObjectTypeEnum>> = {};
  for (const side of SIDES) {
    const entry = analysis.trees[side].get(path);
    if (!entry) continue;
    entries[side] = entry;
    objectTypes[side] = objectType(entry.mode);
  }
  if (Object.keys(entries).length === 0) return undefined;
  return conflictMetadata(analysis, { path, folder: false, entries, objectTypes, contentConflict: false, fileModeConflict: false, objectTypeConflict: false, reported: false });
}

/** Blob contents for metadata of paths that are not conflicts (describePath reads sizes from them). */
export async function loadBlobs(analysis: MergeAnalysis, paths: string[]): Promise<void> {
  const ids = new Set<string>();
  for (const path of paths)
    for (const side of SIDES) {
      const entry = analysis.trees[side].get(path);
      if (entry?.type === 'blob' && !analysis.blobs.has(entry.id)) ids.add(entry.id);
    }
  for (const [id, object] of await readObjects(analysis.git, [...ids])) analysis.blobs.set(id, object.content);
}
