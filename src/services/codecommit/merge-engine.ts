/**
 * The merge engine behind CodeCommit's merge operations (MergeBranchesBy*, CreateUnreferencedMergeCommit,
 * GetMergeConflicts, DescribeMergeConflicts …) and pull request merges. It works on the real bare
 * repository: the three trees (merge base, source, destination) are listed with `ls-tree`, every
 * file changed on both sides is line-merged with `git merge-file` (git's own three-way merge) and
 * described with `git diff` hunks, and the result is written with `update-index`/`write-tree`/
 * `commit-tree` in a temporary index, so what it makes is an ordinary Git commit. It never moves a
 * reference: the callers do that with compare-and-swap under the repository lock.
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
import type { ChangeTypeEnum, ConflictMetadata, FileModeTypeEnum, MergeHunk, MergeHunkDetail, ObjectTypeEnum } from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { GitRepository } from './git.js';
import { FILE_CONTENT_LIMIT, MODE_BY_NAME, NAME_BY_MODE, normalizePath, parseLsTree, readObjects, type TreeEntry } from './trees.js';

export type MergeOption = 'FAST_FORWARD_MERGE' | 'SQUASH_MERGE' | 'THREE_WAY_MERGE';
export type ConflictDetailLevel = 'FILE_LEVEL' | 'LINE_LEVEL';
export type ConflictResolutionStrategy = 'NONE' | 'ACCEPT_SOURCE' | 'ACCEPT_DESTINATION' | 'AUTOMERGE';

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

const MERGE_OPTIONS: readonly MergeOption[] = ['FAST_FORWARD_MERGE', 'SQUASH_MERGE', 'THREE_WAY_MERGE'];
const DETAIL_LEVELS: readonly ConflictDetailLevel[] = ['FILE_LEVEL', 'LINE_LEVEL'];
const STRATEGIES: readonly ConflictResolutionStrategy[] = ['NONE', 'ACCEPT_SOURCE', 'ACCEPT_DESTINATION', 'AUTOMERGE'];
const REPLACEMENT_TYPES = ['KEEP_BASE', 'KEEP_SOURCE', 'KEEP_DESTINATION', 'USE_NEW_CONTENT'] as const;
type ReplacementType = (typeof REPLACEMENT_TYPES)[number];
/** The most resolution entries one merge takes, as CodeCommit's quota on file entries per commit. */
export const MAX_CONFLICT_RESOLUTION_ENTRIES = 100;
const GITKEEP = '.gitkeep';
/** Git looks at the first 8000 bytes for a NUL to call a file binary; so does the conflict report. */
const BINARY_PROBE = 8000;

export function checkMergeOption(value: unknown): MergeOption {
  if (value === undefined || value === null || value === '') throw new AwsError('MergeOptionRequiredException', 'A merge option or stategy is required, and none was provided.');
  if (!MERGE_OPTIONS.includes(value as MergeOption)) throw new AwsError('InvalidMergeOptionException', `The specified merge option is not valid for this operation: ${String(value)}. Valid merge options are FAST_FORWARD_MERGE, SQUASH_MERGE and THREE_WAY_MERGE.`);
  return value as MergeOption;
}

export function checkConflictDetailLevel(value: unknown): ConflictDetailLevel {
  if (value === undefined || value === null) return 'FILE_LEVEL';
  if (!DETAIL_LEVELS.includes(value as ConflictDetailLevel)) throw new AwsError('InvalidConflictDetailLevelException', `The specified conflict detail level is not valid: ${String(value)}`);
  return value as ConflictDetailLevel;
}

export function checkConflictResolutionStrategy(value: unknown): ConflictResolutionStrategy {
  if (value === undefined || value === null) return 'NONE';
  if (!STRATEGIES.includes(value as ConflictResolutionStrategy)) throw new AwsError('InvalidConflictResolutionStrategyException', `The specified conflict resolution strategy is not valid: ${String(value)}`);
  return value as ConflictResolutionStrategy;
}

type SideName = 'base' | 'source' | 'destination';
const SIDES: readonly SideName[] = ['base', 'source', 'destination'];
type Tree = Map<string, TreeEntry>;

/** One path both sides changed in ways that disagree. */
interface Conflict {
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
interface ResultEntry {
  mode: string;
  id?: string;
  content?: Buffer;
}

const sameEntry = (a: TreeEntry | undefined, b: TreeEntry | undefined): boolean => (a === undefined || b === undefined ? a === b : a.mode === b.mode && a.id === b.id);
const isRegular = (e: TreeEntry | undefined): e is TreeEntry => e !== undefined && (e.mode === '100644' || e.mode === '100755');

function objectType(mode: string): ObjectTypeEnum {
  if (mode === '120000') return 'SYMBOLIC_LINK';
  if (mode === '160000') return 'GIT_LINK';
  if (mode === '040000') return 'DIRECTORY';
  return 'FILE';
}

function isBinary(content: Buffer | undefined): boolean {
  return content !== undefined && content.subarray(0, BINARY_PROBE).includes(0);
}

/** Every file and submodule of a commit, by full path. */
async function flatTree(git: GitRepository, commitId: string): Promise<Tree> {
  const { stdout } = await git.run(['ls-tree', '-r', '-z', commitId]);
  return parseLsTree(stdout);
}

function parentFolders(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/** A temporary directory for git's file-based tools, removed afterwards whatever happens. */
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
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
async function lineMerge(git: GitRepository, base: Buffer, destination: Buffer, source: Buffer, favor?: 'ours' | 'theirs'): Promise<{ content: Buffer; conflicts: number }> {
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
  throw new AwsError('TipsDivergenceExceededException', `The divergence between the tips of the provided commit specifiers is too great to determine whether there might be any merge conflicts. Locally compare the specifiers using git diff or a diff tool. (${sourceCommitId} and ${destinationCommitId} have no common ancestor.)`);
}

/**
 * Merges two commits in memory: which paths merge by themselves, which conflict, and how (see the
 * header). Throws TipsDivergenceExceededException when the commits share no history.
 */
export async function analyzeMerge(
  git: GitRepository, sourceCommitId: string, destinationCommitId: string, conflictDetailLevel?: string, conflictResolutionStrategy?: string,
): Promise<MergeAnalysis> {
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
  for (const path of fileConflicts) for (const side of SIDES) {
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
function cleanResult(conflict: Conflict): ResultEntry {
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
  git: GitRepository, path: string, trees: Record<SideName, Tree>, blobs: Map<string, Buffer>, detail: ConflictDetailLevel, strategy: ConflictResolutionStrategy,
): Promise<Conflict> {
  const b = trees.base.get(path);
  const s = trees.source.get(path);
  const d = trees.destination.get(path);
  const entries: Partial<Record<SideName, TreeEntry>> = {};
  const objectTypes: Partial<Record<SideName, ObjectTypeEnum>> = {};
  for (const [side, entry] of [['base', b], ['source', s], ['destination', d]] as const) {
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
    [...trees[name]].filter(([path]) => under(path, conflict.path)).map(([path, e]) => `${path} ${e.mode} ${e.id}`).join('\n');
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

/** The lines of a text, each with its newline (git counts lines the same way). */
function splitLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = content.indexOf(0x0a); i >= 0; i = content.indexOf(0x0a, start)) {
    lines.push(content.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < content.length) lines.push(content.subarray(start));
  return lines;
}

interface Change {
  side: 'source' | 'destination';
  baseStart: number;
  baseEnd: number;
  start: number;
  end: number;
}

/** The changed line ranges from `base` to `side` (0-based, end-exclusive), from `git diff -U0`. */
async function lineChanges(git: GitRepository, side: Change['side'], base: TreeEntry | undefined, other: TreeEntry | undefined, baseLines: number, otherLines: number): Promise<Change[]> {
  if (base?.id === other?.id) return [];
  if (!base || !other || baseLines === 0 || otherLines === 0) return [{ side, baseStart: 0, baseEnd: baseLines, start: 0, end: otherLines }];
  const { stdout } = await git.run(['diff', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '-a', base.id, other.id]);
  const changes: Change[] = [];
  for (const match of stdout.toString('utf8').matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)) {
    const baseCount = match[2] === undefined ? 1 : Number(match[2]);
    const count = match[4] === undefined ? 1 : Number(match[4]);
    // For an empty range diff names the line before it; for others the first line, 1-based.
    const baseStart = baseCount === 0 ? Number(match[1]) : Number(match[1]) - 1;
    const start = count === 0 ? Number(match[3]) : Number(match[3]) - 1;
    changes.push({ side, baseStart, baseEnd: baseStart + baseCount, start, end: start + count });
  }
  return changes;
}

/**
 * The merge hunks of one file: every region where the source or the destination changed the base,
 * with changes that overlap or touch grouped as git's merge groups them. A region both sides
 * changed differently is a conflict. Lines are 0-based and end-exclusive; contents are base64.
 */
export async function mergeHunks(analysis: MergeAnalysis, path: string): Promise<MergeHunk[]> {
  // A file against a folder has no lines to compare.
  if (analysis.conflicts.some((conflict) => conflict.path === path && conflict.folder)) return [];
  const entries = Object.fromEntries(SIDES.map((side) => [side, analysis.trees[side].get(path)])) as Record<SideName, TreeEntry | undefined>;
  const texts = {} as Record<SideName, Buffer[]>;
  const blobs = await readObjects(analysis.git, SIDES.map((side) => entries[side]?.id).filter((id): id is string => id !== undefined));
  for (const side of SIDES) {
    const entry = entries[side];
    if (entry && (!isRegular(entry) || isBinary(blobs.get(entry.id)?.content))) return [];
    texts[side] = entry ? splitLines(blobs.get(entry.id)?.content ?? Buffer.alloc(0)) : [];
  }
  const changes = [
    ...(await lineChanges(analysis.git, 'source', entries.base, entries.source, texts.base.length, texts.source.length)),
    ...(await lineChanges(analysis.git, 'destination', entries.base, entries.destination, texts.base.length, texts.destination.length)),
  ].sort((a, b) => a.baseStart - b.baseStart || a.baseEnd - b.baseEnd);
  const groups: Change[][] = [];
  // git's merge keeps two changes apart only when one ends strictly before the other starts.
  let groupEnd = -1;
  for (const change of changes) {
    const last = groups[groups.length - 1];
    if (last && change.baseStart <= groupEnd) {
      last.push(change);
      groupEnd = Math.max(groupEnd, change.baseEnd);
    } else {
      groups.push([change]);
      groupEnd = change.baseEnd;
    }
  }
  const offsets = { source: 0, destination: 0 };
  const hunks: MergeHunk[] = [];
  for (const group of groups) {
    const baseStart = Math.min(...group.map((c) => c.baseStart));
    const baseEnd = Math.max(...group.map((c) => c.baseEnd));
    const ranges = {} as Record<'source' | 'destination', { start: number; end: number }>;
    for (const side of ['source', 'destination'] as const) {
      const own = group.filter((c) => c.side === side);
      if (own.length === 0) {
        ranges[side] = { start: baseStart + offsets[side], end: baseEnd + offsets[side] };
        continue;
      }
      const first = own[0];
      const last = own[own.length - 1];
      ranges[side] = { start: first.start - (first.baseStart - baseStart), end: last.end + (baseEnd - last.baseEnd) };
      offsets[side] = last.end - last.baseEnd;
    }
    const detail = (lines: Buffer[], start: number, end: number): MergeHunkDetail => ({ startLine: start, endLine: end, hunkContent: Buffer.concat(lines.slice(start, end)).toString('base64') });
    const source = detail(texts.source, ranges.source.start, ranges.source.end);
    const destination = detail(texts.destination, ranges.destination.start, ranges.destination.end);
    const bothChanged = group.some((c) => c.side === 'source') && group.some((c) => c.side === 'destination');
    const hunk: MergeHunk = { isConflict: bothChanged && source.hunkContent !== destination.hunkContent, source, destination };
    if (entries.base) hunk.base = detail(texts.base, baseStart, baseEnd);
    hunks.push(hunk);
  }
  return hunks;
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
  for (const path of paths) for (const side of SIDES) {
    const entry = analysis.trees[side].get(path);
    if (entry?.type === 'blob' && !analysis.blobs.has(entry.id)) ids.add(entry.id);
  }
  for (const [id, object] of await readObjects(analysis.git, [...ids])) analysis.blobs.set(id, object.content);
}

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
  const multiple = (path: string) => new AwsError('MultipleConflictResolutionEntriesException', `More than one conflict resolution entries exists for the conflict. A conflict can have only one conflict resolution entry: ${path}`);
  const entryFor = (path: string) => {
    let resolution = resolutions.get(path);
    if (!resolution) resolutions.set(path, (resolution = {}));
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
    if (type === 'USE_NEW_CONTENT' && content === undefined) throw new AwsError('ReplacementContentRequiredException', `USE_NEW_CONTENT was specified, but no replacement content has been provided: ${path}`);
    if (type !== 'USE_NEW_CONTENT' && content !== undefined) throw new AwsError('InvalidReplacementContentException', `Automerge was specified for resolving the conflict, but the replacement type is not valid or content is missing: content is only allowed with USE_NEW_CONTENT (${path}).`);
    if (content && content.length > FILE_CONTENT_LIMIT) throw new AwsError('FileContentSizeLimitExceededException', `The file cannot be added because it is too large. The maximum file size is 6 MB: ${path}`);
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
    if (item.fileMode === undefined || item.fileMode === null || (item.fileMode as string) === '') throw new AwsError('FileModeRequiredException', `The commit cannot be created because no file mode has been specified. A file mode is required to update mode permissions for a file: ${path}`);
    const resolution = entryFor(path);
    if (resolution.mode || resolution.remove) throw multiple(path);
    resolution.mode = checkMode(item.fileMode);
  }
  return resolutions;
}

function checkMode(mode: unknown): string | undefined {
  if (mode === undefined || mode === null) return undefined;
  if (typeof mode !== 'string' || !(mode in MODE_BY_NAME)) throw new AwsError('InvalidFileModeException', `The specified file mode permission is not valid: ${String(mode)}. Valid file modes are NORMAL, EXECUTABLE and SYMLINK.`);
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
    if (!byPath.has(path)) throw new AwsError('InvalidConflictResolutionException', `The specified conflict resolution list is not valid: ${path} has no merge conflict between the source and destination.`);
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
      if (!entry) throw new AwsError('InvalidConflictResolutionException', `The specified conflict resolution list is not valid: the file mode of ${path} cannot be set because the resolution deletes the file.`);
      result.set(path, { ...entry, mode: resolution.mode });
    }
  }
  if (unresolved.length > 0) {
    throw new AwsError('ManualMergeRequiredException', `The merge cannot be completed automatically: ${unresolved.length} file(s) have conflicts that must be resolved manually (${unresolved.map((c) => c.path).join(', ')}).`);
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
      const content = (entry: TreeEntry | undefined) => (entry ? analysis.blobs.get(entry.id) ?? Buffer.alloc(0) : Buffer.alloc(0));
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
    if (lines.length > 0) await git.run(['update-index', '-z', '--index-info'], { env, input: lines.join('\0') + '\0' });
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
      throw new AwsError('ManualMergeRequiredException', `Cannot fast-forward: the destination commit ${destinationCommitId} is not an ancestor of the source commit ${sourceCommitId}. Use a squash or three-way merge, or merge manually.`);
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
    GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email, GIT_COMMITTER_DATE: date,
  };
  const args = ['commit-tree', treeId, '-p', destinationCommitId];
  if (option === 'THREE_WAY_MERGE') args.push('-p', sourceCommitId);
  // A git commit message cannot hold NUL bytes (commit-tree refuses them), so they are dropped.
  const commitId = (await git.run(args, { env, input: (req.commitMessage ?? '').replace(/\0/g, '') })).stdout.toString('utf8').trim();
  return { commitId, treeId, baseCommitId: analysis.baseCommitId };
}

/** Which merge options would complete without manual conflict resolution, and the merge base. */
export async function mergeOptions(
  git: GitRepository, sourceCommitId: string, destinationCommitId: string, conflictDetailLevel?: string, conflictResolutionStrategy?: string,
): Promise<{ options: MergeOption[]; baseCommitId: string }> {
  const analysis = await analyzeMerge(git, sourceCommitId, destinationCommitId, conflictDetailLevel, conflictResolutionStrategy);
  const options: MergeOption[] = [];
  if (await git.isAncestor(destinationCommitId, sourceCommitId)) options.push('FAST_FORWARD_MERGE');
  if (isMergeable(analysis)) options.push('SQUASH_MERGE', 'THREE_WAY_MERGE');
  return { options, baseCommitId: analysis.baseCommitId };
}
