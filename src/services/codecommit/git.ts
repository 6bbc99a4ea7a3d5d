/**
 * Git plumbing for CodeCommit: every repository is a real bare repository, and every API read or
 * write goes through the git binary, so what the API changes is exactly what `git fetch` sees and
 * the reverse. Writers change references only with compare-and-swap (`update-ref <ref> <new>
 * <old>`), so API writes and concurrent `git push`es never overwrite each other silently.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every repository's config: receive-pack accepts pushes to any branch (shallow ones included),
 * upload-pack serves partial clones and fetches by commit id, and no reflogs pile up.
 */
const REPOSITORY_CONFIG = `[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = true
\tlogAllRefUpdates = false
[receive]
\tdenyCurrentBranch = ignore
\tshallowUpdate = true
[uploadpack]
\tallowFilter = true
\tallowAnySHA1InWant = true
`;

export const ZERO_ID = '0000000000000000000000000000000000000000';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly result: GitResult,
  ) {
    super(`git ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    this.name = 'GitError';
  }
}

/** The environment every git run gets: no user config, no prompts, a fixed identity fallback. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C',
    ...extra,
  };
}

export interface RunOptions {
  input?: Buffer | string;
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (e.g. 1 from `merge-tree` on conflicts). */
  okCodes?: number[];
}

/** Runs git in `gitDir` (a bare repository) and collects its output; throws GitError on an unexpected exit. */
export function runGit(gitDir: string, args: string[], opts: RunOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], { env: gitEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
      if (result.code === 0 || opts.okCodes?.includes(result.code)) resolve(result);
      else reject(new GitError(args, result));
    });
    // A child that exits before reading its input must not crash the server with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}

/** Serializes in-process writers per repository; refs are still updated with compare-and-swap for `git push`. */
const repositoryLocks = new Map<string, Promise<unknown>>();
export function withRepositoryLock<T>(repositoryId: string, fn: () => Promise<T>): Promise<T> {
  const previous = repositoryLocks.get(repositoryId) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  const settled = next.then(
    () => {},
    () => {},
  );
  repositoryLocks.set(repositoryId, settled);
  void settled.then(() => {
    if (repositoryLocks.get(repositoryId) === settled) repositoryLocks.delete(repositoryId);
  });
  return next;
}

export interface Ref {
  name: string;
  commitId: string;
}

export interface CommitObject {
  commitId: string;
  treeId: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

/** One bare repository on disk. */
export class GitRepository {
  constructor(readonly dir: string) {}

  run(args: string[], opts?: RunOptions): Promise<GitResult> {
    return runGit(this.dir, args, opts);
  }

  /**
   * Creates the bare repository by writing git's documented layout (gitrepository-layout(5)):
   * HEAD, config, objects/ and refs/. Spawning `git init` plus one `git config` per setting cost
   * ~150 ms a repository on a slow machine, which made CreateRepository the slowest call we have.
   */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await Promise.all(['objects/info', 'objects/pack', 'refs/heads', 'refs/tags'].map((sub) => mkdir(join(this.dir, sub), { recursive: true })));
    await writeFile(join(this.dir, 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(this.dir, 'config'), REPOSITORY_CONFIG);
  }

  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Every ref under `prefix` (default `refs/heads/`), sorted by name. */
  async refs(prefix = 'refs/heads/'): Promise<Ref[]> {
    const { stdout } = await this.run(['for-each-ref', '--format=%(objectname) %(refname)', prefix]);
    return stdout
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ commitId: line.slice(0, 40), name: line.slice(41) }));
  }

  /** The commit a full ref name points at, or undefined. */
  async refCommit(refName: string): Promise<string | undefined> {
    const { code, stdout } = await this.run(['rev-parse', '--verify', '--quiet', `${refName}^{commit}`], { okCodes: [1, 128] });
    return code === 0 ? stdout.toString('utf8').trim() : undefined;
  }

  /**
   * Moves `refName` from `oldId` to `newId` atomically: `oldId` ZERO_ID means "must not exist yet",
   * undefined means "whatever it is now". Returns false when another writer got there first.
   */
  async updateRef(refName: string, newId: string, oldId?: string): Promise<boolean> {
    const args = ['update-ref', refName, newId];
    if (oldId !== undefined) args.push(oldId);
    const { code } = await this.run(args, { okCodes: [1, 128] });
    return code === 0;
  }

  async deleteRef(refName: string, oldId?: string): Promise<boolean> {
    const args = ['update-ref', '-d', refName];
    if (oldId !== undefined) args.push(oldId);
    const { code } = await this.run(args, { okCodes: [1, 128] });
    return code === 0;
  }

  /** The type of an object (`commit`, `tree`, `blob`, `tag`), or undefined when it does not exist. */
  async objectType(id: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{4,64}$/i.test(id)) return undefined;
    const { code, stdout } = await this.run(['cat-file', '-t', id], { okCodes: [1, 128] });
    return code === 0 ? stdout.toString('utf8').trim() : undefined;
  }

  /** A parsed commit object, or undefined when `id` names no commit. */
  async commit(id: string): Promise<CommitObject | undefined> {
    if ((await this.objectType(id)) !== 'commit') return undefined;
    const { stdout } = await this.run(['cat-file', 'commit', id]);
    return parseCommit(id, stdout.toString('utf8'));
  }

  async blob(id: string): Promise<Buffer> {
    return (await this.run(['cat-file', 'blob', id])).stdout;
  }

  /** True when `ancestor` is reachable from `descendant`. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const { code } = await this.run(['merge-base', '--is-ancestor', ancestor, descendant], { okCodes: [1] });
    return code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const { code, stdout } = await this.run(['merge-base', a, b], { okCodes: [1] });
    return code === 0 ? stdout.toString('utf8').trim() : undefined;
  }
}

/** Git's `<name> <email> <epoch> <tz>` identity line, as CodeCommit's UserInfo date (`"<epoch> <tz>"`). */
function parseIdentity(text: string): { name: string; email: string; date: string } {
  const match = /^(.*?) <([^>]*)> (\d+ [+-]\d{4})$/.exec(text);
  return match ? { name: match[1], email: match[2], date: match[3] } : { name: text, email: '', date: '' };
}

export function parseCommit(commitId: string, raw: string): CommitObject {
  const split = raw.indexOf('\n\n');
  const header = split >= 0 ? raw.slice(0, split) : raw;
  const message = split >= 0 ? raw.slice(split + 2) : '';
  const commit: CommitObject = {
    commitId,
    treeId: '',
    parents: [],
    message,
    author: { name: '', email: '', date: '' },
    committer: { name: '', email: '', date: '' },
  };
  for (const line of header.split('\n')) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') commit.treeId = value;
    else if (key === 'parent') commit.parents.push(value);
    else if (key === 'author') commit.author = parseIdentity(value);
    else if (key === 'committer') commit.committer = parseIdentity(value);
  }
  return commit;
}
