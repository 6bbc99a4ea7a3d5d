/**
 * Paths, file modes, tree listings and commit objects as the CodeCommit file and commit
 * operations see them: what the write path (commits.ts) and the read path (files.ts) share.
 */
import type { Commit, FileModeTypeEnum } from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { CommitObject, GitRepository } from './git.js';

/** CodeCommit refuses file contents over 6 MB per file (and per folder of one commit). */
export const FILE_CONTENT_LIMIT = 6 * 1024 * 1024;
export const OBJECT_ID = /^[0-9a-f]{40}$/i;
/** Git's well-known empty tree: diffs against it list every file as added. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** Pathspecs from requests are file names, never globs or magic (`:(exclude)` …). */
export const LITERAL = { GIT_LITERAL_PATHSPECS: '1' };

export const MODE_BY_NAME: Record<FileModeTypeEnum, string> = { NORMAL: '100644', EXECUTABLE: '100755', SYMLINK: '120000' };
export const NAME_BY_MODE: Record<string, FileModeTypeEnum> = { '100644': 'NORMAL', '100755': 'EXECUTABLE', '120000': 'SYMLINK' };

export function fileModeName(mode: string): FileModeTypeEnum {
  return NAME_BY_MODE[mode] ?? 'NORMAL';
}

/** A file mode from a request: undefined when absent, InvalidFileModeException when not one of CodeCommit's three. */
export function checkFileMode(mode: unknown): FileModeTypeEnum | undefined {
  if (mode === undefined || mode === null) return undefined;
  if (typeof mode !== 'string' || !(mode in MODE_BY_NAME))
    throw new AwsError('InvalidFileModeException', 'The specified file mode permission is not valid. For a list of valid file mode permissions, see PutFile.');
  return mode as FileModeTypeEnum;
}

/**
 * A repository path from a request, normalized as CodeCommit reports it: one leading `/` means
 * the repository root (AWS documents `/examplefolder`), and the result has no leading or trailing
 * slash. Components that would escape or corrupt the repository (`..`, `.`, `.git`, empty
 * components, control characters) are refused. `''` is the root, allowed only for folders.
 */
export function normalizePath(raw: unknown, opts: { folder?: boolean } = {}): string {
  if (raw === undefined || raw === null || raw === '') throw new AwsError('PathRequiredException', 'The folderPath for a location cannot be null.');
  const invalid = () => new AwsError('InvalidPathException', `The specified path is not valid: ${String(raw)}`);
  if (typeof raw !== 'string') throw invalid();
  let path = raw.startsWith('/') ? raw.slice(1) : raw;
  if (opts.folder && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '') {
    if (opts.folder) return '';
    throw invalid();
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses in a path.
  if (/[\x00-\x1f\x7f]/.test(path)) throw invalid();
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git') throw invalid();
  }
  return path;
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  id: string;
  /** Blob size in bytes (only when listed with sizes). */
  size?: number;
}

/** Parses `ls-tree -z [-l]` output into path → entry. */
export function parseLsTree(output: Buffer, prefix = ''): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const record of output.toString('utf8').split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, id, size] = record.slice(0, tab).split(/ +/);
    const entry: TreeEntry = { mode, type: type as TreeEntry['type'], id };
    if (size !== undefined && size !== '-') entry.size = Number(size);
    entries.set(prefix + record.slice(tab + 1), entry);
  }
  return entries;
}

/** Every blob, submodule and folder under a tree-ish, by full path. */
export async function listTree(git: GitRepository, treeish: string): Promise<Map<string, TreeEntry>> {
  const { stdout } = await git.run(['ls-tree', '-r', '-t', '-z', treeish]);
  return parseLsTree(stdout);
}

/** The entry at `path` in a commit (with its size), or undefined. */
export async function entryAt(git: GitRepository, commitId: string, path: string): Promise<TreeEntry | undefined> {
  const { stdout } = await git.run(['ls-tree', '-z', '-l', commitId, '--', path], { env: LITERAL });
  return parseLsTree(stdout).get(path);
}

/** A commit as CodeCommit's `Commit` shape. */
export function commitShape(commit: CommitObject): Commit {
  return {
    commitId: commit.commitId,
    treeId: commit.treeId,
    parents: commit.parents,
    message: commit.message,
    author: commit.author,
    committer: commit.committer,
    additionalData: '',
  };
}

/** Reads many objects in one `cat-file --batch` run: id → [type, content] (missing ids are absent). */
export async function readObjects(git: GitRepository, ids: string[]): Promise<Map<string, { type: string; content: Buffer }>> {
  const found = new Map<string, { type: string; content: Buffer }>();
  if (ids.length === 0) return found;
  const { stdout } = await git.run(['cat-file', '--batch'], { input: `${ids.join('\n')}\n` });
  let at = 0;
  for (const id of ids) {
    const eol = stdout.indexOf(0x0a, at);
    const header = stdout.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    found.set(id, { type: header[1], content: stdout.subarray(at, at + size) });
    at += size + 1;
  }
  return found;
}
