/**
 * DOWNLOAD_SOURCE: puts a build's primary and secondary sources on disk.
 *
 * - CODECOMMIT: our own CodeCommit's bare repository, fetched with git (the transport, never a
 *   hard-linked local clone, so nothing the build does can reach the repository's object files).
 *   The checkout is a real repository whose `origin` is the project's clone URL, HEAD detached at
 *   the resolved commit as on AWS; gitCloneDepth 0 fetches every branch and tag, N fetches N commits
 *   of the named version; submodules that live in CodeCommit are fetched when fetchSubmodules is set.
 *   sourceVersion is a branch, tag, commit id, `refs/...` or `<ref>^{<commit id>}`.
 * - S3: `bucket/key` of a zip (sourceVersion = the object's version id) or `bucket/prefix/` of a
 *   folder, every object below it downloaded.
 * - CODEPIPELINE: the input artifact is a zip in the pipeline's artifact store at the location
 *   CodePipeline passes (sourceLocationOverride `bucket/key`). A CODEBUILD_CLONE_REF artifact (a zip
 *   of one `codepipeline-clone-ref.json`) is cloned instead: the CodeCommit repository it names,
 *   checked out at its commit, which becomes resolvedSourceVersion.
 * - NO_SOURCE: nothing. GitHub, GitHub Enterprise, Bitbucket, GitLab: refused, Drydock is offline.
 *
 * With the LOCAL cache mode LOCAL_SOURCE_CACHE, each source's `.git` is kept between builds in the
 * project's local cache directory and the next build fetches only what changed.
 */
import { spawn } from 'node:child_process';
import { cp, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ProjectSource } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { BuildPhaseError, type BuildRun, type CodeBuildContext, type SourceResult } from '../common.js';
import { localCacheDir } from '../names.js';
import { extractZip, safeEntryPath, ZipError } from './zip.js';

const AWS_CODECOMMIT_URL = /^https:\/\/git-codecommit(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/v1\/repos\/([\w.-]{1,100})$/;
const DRYDOCK_REPO_URL = /^https?:\/\/[^/]+\/v1\/repos\/([\w.-]{1,100})$/;
const COMMIT_ID = /^[0-9a-f]{40}$/i;
const OFFLINE_SOURCES = new Set(['GITHUB', 'GITHUB_ENTERPRISE', 'BITBUCKET', 'GITLAB', 'GITLAB_SELF_MANAGED']);

/** One source to put on disk, and how AWS names it in error messages. */
interface SourceTarget {
  source: ProjectSource;
  version?: string;
  dir: string;
  /** `primary source` or `secondary source <identifier>`. */
  label: string;
  /** Directory name under the LOCAL_SOURCE_CACHE cache. */
  cacheName: string;
}

export async function fetchSources(c: CodeBuildContext, run: BuildRun): Promise<SourceResult> {
  const primary = run.project.source ?? { type: 'NO_SOURCE' };
  const resolvedSourceVersion = await fetchSource(c, run, {
    source: primary,
    version: run.build.sourceVersion ?? run.project.sourceVersion,
    dir: run.srcDir,
    label: 'primary source',
    cacheName: 'primary',
  });
  const requested = run.build.secondarySourceVersions ?? run.project.secondarySourceVersions ?? [];
  const secondarySourceVersions: SourceResult['secondarySourceVersions'] = [];
  for (const source of run.project.secondarySources ?? []) {
    // StopBuild or the timeout: the runner ends the build; fetching more would only delay that.
    if (run.stopping) break;
    const id = source.sourceIdentifier!;
    // The runner names the directories; a source it did not name still gets one of its own.
    run.secondarySrcDirs[id] ??= join(run.workRoot, 'secondary', id);
    const dir = run.secondarySrcDirs[id];
    const version = requested.find((v) => v.sourceIdentifier === id)?.sourceVersion;
    const resolved = await fetchSource(c, run, { source, version, dir, label: `secondary source ${id}`, cacheName: `secondary-${id}` });
    const reported = resolved ?? version;
    if (reported !== undefined) secondarySourceVersions.push({ sourceIdentifier: id, sourceVersion: reported });
  }
  return { ...(resolvedSourceVersion !== undefined ? { resolvedSourceVersion } : {}), secondarySourceVersions };
}

/** Fetches one source into its directory; the commit id for git sources (AWS's resolvedSourceVersion). */
async function fetchSource(c: CodeBuildContext, run: BuildRun, target: SourceTarget): Promise<string | undefined> {
  await mkdir(target.dir, { recursive: true });
  const type = target.source.type;
  const location = target.source.location ?? '';
  switch (type) {
    case 'NO_SOURCE':
      return undefined;
    case 'CODECOMMIT':
      return fetchCodeCommit(c, run, target);
    case 'S3':
      await fetchS3(c, run, target, location, target.version);
      // AWS: resolvedSourceVersion "for Amazon S3, this does not apply".
      return undefined;
    case 'CODEPIPELINE': {
      if (!location) throw new BuildPhaseError('CLIENT_ERROR', `no input artifact location was given for CODEPIPELINE ${target.label}`);
      await fetchS3(c, run, target, location, undefined);
      const ref = await cloneRefIn(target.dir, target);
      if (!ref) return undefined;
      await rm(join(target.dir, CLONE_REF_FILE));
      return fetchCodeCommit(c, run, { ...target, source: { ...target.source, type: 'CODECOMMIT', location: ref.cloneUrlHttp }, version: ref.commitId });
    }
    default:
      if (OFFLINE_SOURCES.has(type ?? '')) {
        throw new BuildPhaseError('CLIENT_ERROR', `Drydock runs offline: ${type} ${target.label} ${location} cannot be reached`);
      }
      throw new BuildPhaseError('CLIENT_ERROR', `unsupported source type ${type} for ${target.label}`);
  }
}

/**
 * The file of a CODEBUILD_CLONE_REF input artifact (CodePipeline's CodeCommit source writes it): a
 * zip holding only this file makes the build clone the repository it names at its commit.
 */
const CLONE_REF_FILE = 'codepipeline-clone-ref.json';

/** The clone URL and commit of a CODEBUILD_CLONE_REF artifact just extracted into `dir`, if it is one. */
async function cloneRefIn(dir: string, target: SourceTarget): Promise<{ cloneUrlHttp: string; commitId: string } | undefined> {
  const entries = await readdir(dir);
  if (entries.length !== 1 || entries[0] !== CLONE_REF_FILE) return undefined;
  let ref: { cloneUrlHttp?: unknown; commitId?: unknown };
  try {
    ref = JSON.parse(await readFile(join(dir, CLONE_REF_FILE), 'utf8')) as typeof ref;
  } catch {
    throw new BuildPhaseError('CLIENT_ERROR', `invalid CodePipeline clone reference${suffix(target)}`);
  }
  if (typeof ref.cloneUrlHttp !== 'string' || typeof ref.commitId !== 'string' || !COMMIT_ID.test(ref.commitId)) {
    throw new BuildPhaseError('CLIENT_ERROR', `invalid CodePipeline clone reference${suffix(target)}`);
  }
  return { cloneUrlHttp: ref.cloneUrlHttp, commitId: ref.commitId };
}

/** AWS's suffix for source errors: `… for primary source and source version refs/heads/main`. */
function suffix(target: SourceTarget): string {
  return target.version ? ` for ${target.label} and source version ${target.version}` : ` for ${target.label}`;
}

// ---- S3 and CodePipeline ----------------------------------------------------------------------

async function fetchS3(c: CodeBuildContext, run: BuildRun, target: SourceTarget, location: string, versionId: string | undefined): Promise<void> {
  const s3 = c.rt.api('s3');
  const slash = location.indexOf('/');
  const bucket = slash < 0 ? location : location.slice(0, slash);
  const key = slash < 0 ? '' : location.slice(slash + 1);
  if (!bucket || !key) throw new BuildPhaseError('CLIENT_ERROR', `invalid S3 source location ${location}${suffix(target)}`);
  const failed = (err: unknown, objectKey: string): never => {
    if (err instanceof AwsError) throw new BuildPhaseError('CLIENT_ERROR', `error while downloading key ${objectKey}, error: ${err.code}: ${err.message}${suffix(target)}`);
    throw err;
  };
  if (key.endsWith('/')) {
    let objects: ReturnType<typeof s3.listObjects>;
    try {
      objects = s3.listObjects(run.scope, bucket, key);
    } catch (err) {
      return failed(err, key);
    }
    if (objects.length === 0) throw new BuildPhaseError('CLIENT_ERROR', `no objects found under key ${key}${suffix(target)}`);
    for (const object of objects) {
      const relative = safeEntryPath(object.key.slice(key.length));
      if (relative === undefined) throw new BuildPhaseError('CLIENT_ERROR', `insecure file path ${object.key}${suffix(target)}`);
      if (relative === '' || relative === '.') continue;
      const path = join(target.dir, relative);
      if (object.key.endsWith('/')) {
        await mkdir(path, { recursive: true });
        continue;
      }
      let body: Buffer;
      try {
        body = await readAll(s3.getObject(run.scope, bucket, object.key).body);
      } catch (err) {
        return failed(err, object.key);
      }
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    }
    run.log(`[Container] Downloaded ${objects.length} objects from s3://${bucket}/${key}`);
    return;
  }
  let zip: Buffer;
  try {
    zip = await readAll(s3.getObject(run.scope, bucket, key, versionId ? { versionId } : {}).body);
  } catch (err) {
    return failed(err, key);
  }
  try {
    await extractZip(zip, target.dir, { overwrite: true });
  } catch (err) {
    if (err instanceof ZipError) throw new BuildPhaseError('CLIENT_ERROR', `${err.message}${suffix(target)}`);
    throw err;
  }
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

// ---- CodeCommit -------------------------------------------------------------------------------

interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git with no user or system configuration and no prompts; rejects on a non-zero exit. */
function git(cwd: string, args: string[]): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code: code ?? -1, stdout, stderr };
      if (result.code === 0) resolve(result);
      else reject(new Error(`git ${args.join(' ')} exited ${result.code}: ${stderr.trim()}`));
    });
  });
}

/** The account/region and repository name a CodeCommit clone URL names (AWS's or Drydock's). */
function repositoryOf(scope: Scope, url: string): { scope: Scope; name: string } | undefined {
  const aws = AWS_CODECOMMIT_URL.exec(url);
  if (aws) return { scope: { account: scope.account, region: aws[1] }, name: aws[2] };
  const local = DRYDOCK_REPO_URL.exec(url);
  return local ? { scope, name: local[1] } : undefined;
}

async function fetchCodeCommit(c: CodeBuildContext, run: BuildRun, target: SourceTarget): Promise<string> {
  const location = target.source.location ?? '';
  const repo = repositoryOf(run.scope, location);
  if (!repo) throw new BuildPhaseError('CLIENT_ERROR', `invalid CodeCommit repository URL ${location}${suffix(target)}`);
  const codecommit = c.rt.api('codecommit');
  // `<ref>^{<commit id>}`: the commit, which must be in the reference's history.
  const pinned = /^(.+)\^\{([0-9a-f]{40})\}$/i.exec(target.version ?? '');
  const refName = pinned ? pinned[1] : target.version;
  const lookup = async (version: string | undefined) => {
    try {
      return await codecommit.checkout(repo.scope, repo.name, version);
    } catch (err) {
      if (err instanceof AwsError && err.code === 'CommitDoesNotExistException') throw new BuildPhaseError('CLIENT_ERROR', `reference not found${suffix(target)}`);
      throw err;
    }
  };
  const checkout = await lookup(refName);
  if (!checkout) throw new BuildPhaseError('CLIENT_ERROR', `repository not found${suffix(target)}`);
  // An empty repository has no default branch, so there is nothing to check out.
  if (!checkout.commitId) throw new BuildPhaseError('CLIENT_ERROR', `reference not found${suffix(target)}`);
  let commit = checkout.commitId;
  if (pinned) {
    await lookup(pinned[2]);
    try {
      await git(run.workRoot, ['--git-dir', checkout.gitDir, 'merge-base', '--is-ancestor', pinned[2], checkout.commitId]);
    } catch {
      throw new BuildPhaseError('CLIENT_ERROR', `reference not found${suffix(target)}`);
    }
    commit = pinned[2].toLowerCase();
  }

  const sourceCache = sourceCacheDir(c, run, target);
  if (sourceCache) await restoreSourceCache(sourceCache, target.dir);
  const dir = target.dir;
  await git(dir, ['init', '--quiet', '--template=', '.']);
  await git(dir, ['config', 'remote.origin.url', location]);
  await git(dir, ['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
  const depth = target.source.gitCloneDepth ?? 0;
  const refspecs = [commit];
  if (depth === 0) {
    refspecs.push('+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
  } else if (refName && !COMMIT_ID.test(refName)) {
    const full = await namedRef(checkout.gitDir, refName);
    if (full?.startsWith('refs/heads/')) refspecs.push(`+${full}:refs/remotes/origin/${full.slice('refs/heads/'.length)}`);
    else if (full?.startsWith('refs/tags/')) refspecs.push(`+${full}:${full}`);
  } else if (!refName && checkout.defaultBranch) {
    refspecs.push(`+refs/heads/${checkout.defaultBranch}:refs/remotes/origin/${checkout.defaultBranch}`);
  }
  const depthArgs = depth > 0 ? [`--depth=${depth}`] : (await isShallow(dir)) ? ['--unshallow'] : [];
  // A file:// URL makes git use its transport (objects copied, never hard-linked); protocol v2 serves a bare commit id.
  await git(dir, ['-c', 'protocol.version=2', 'fetch', '--quiet', '--no-tags', '--prune', ...depthArgs, `file://${checkout.gitDir}`, ...refspecs]);
  await git(dir, ['checkout', '--quiet', '--force', '--detach', commit]);
  if (target.source.gitSubmodulesConfig?.fetchSubmodules) await fetchSubmodules(c, run, target, dir, location);
  if (sourceCache) await saveSourceCache(sourceCache, dir);
  run.log(`[Container] CODECOMMIT ${target.label} ${location} checked out at ${commit}`);
  return commit;
}

/** The full name of the branch or tag a version names (`main` → `refs/heads/main`), if any. */
async function namedRef(gitDir: string, version: string): Promise<string | undefined> {
  for (const candidate of version.startsWith('refs/') ? [version] : [`refs/heads/${version}`, `refs/tags/${version}`]) {
    try {
      await git('/', ['--git-dir', gitDir, 'show-ref', '--verify', '--quiet', candidate]);
      return candidate;
    } catch {
      // not this kind of reference
    }
  }
  return undefined;
}

async function isShallow(dir: string): Promise<boolean> {
  return (await git(dir, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
}

/**
 * Checks out the submodules of `dir` (recursively) from the CodeCommit repositories their URLs
 * name; relative URLs resolve against the superproject's clone URL, as git resolves them.
 */
async function fetchSubmodules(c: CodeBuildContext, run: BuildRun, target: SourceTarget, dir: string, parentUrl: string): Promise<void> {
  try {
    await lstat(join(dir, '.gitmodules'));
  } catch {
    return;
  }
  let listing = '';
  try {
    listing = (await git(dir, ['config', '--file', '.gitmodules', '--get-regexp', '^submodule\\..*\\.url$'])).stdout;
  } catch {
    return;
  }
  const codecommit = c.rt.api('codecommit');
  await git(dir, ['submodule', 'init', '--quiet']);
  const modules: { name: string; url: string }[] = [];
  for (const line of listing.split('\n').filter(Boolean)) {
    const space = line.indexOf(' ');
    const name = line.slice('submodule.'.length, space - '.url'.length);
    const raw = line.slice(space + 1);
    const url = raw.startsWith('./') || raw.startsWith('../') ? new URL(raw, `${parentUrl.replace(/\/+$/, '')}/`).href : raw;
    const repo = repositoryOf(run.scope, url);
    if (!repo) throw new BuildPhaseError('CLIENT_ERROR', `Drydock runs offline: submodule ${name} at ${url} cannot be reached${suffix(target)}`);
    const checkout = await codecommit.checkout(repo.scope, repo.name);
    if (!checkout) throw new BuildPhaseError('CLIENT_ERROR', `repository not found for submodule ${name} at ${url}${suffix(target)}`);
    await git(dir, ['config', `submodule.${name}.url`, `file://${checkout.gitDir}`]);
    modules.push({ name, url });
  }
  try {
    await git(dir, ['-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--checkout', '--force']);
  } catch (err) {
    throw new BuildPhaseError('CLIENT_ERROR', `failed to fetch submodules: ${lastLine((err as Error).message)}${suffix(target)}`);
  }
  for (const module of modules) {
    // Fetched through the repository's own Git data; the checkout keeps the CodeCommit URL, as on AWS.
    await git(dir, ['config', `submodule.${module.name}.url`, module.url]);
    const path = (await git(dir, ['config', '--file', '.gitmodules', `submodule.${module.name}.path`])).stdout.trim();
    // The checked-out submodule's origin is its CodeCommit URL, as a clone from AWS would show.
    await git(join(dir, path), ['config', 'remote.origin.url', module.url]);
    await fetchSubmodules(c, run, target, join(dir, path), module.url);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? text;
}

// ---- LOCAL_SOURCE_CACHE ---------------------------------------------------------------------------

function sourceCacheDir(c: CodeBuildContext, run: BuildRun, target: SourceTarget): string | undefined {
  const cache = run.project.cache;
  if (cache?.type !== 'LOCAL' || !cache.modes?.includes('LOCAL_SOURCE_CACHE')) return undefined;
  return join(localCacheDir(c.rt.dataDir, run.scope, run.project.name!), 'source', target.cacheName);
}

/** Puts the cached `.git` in place, so the fetch that follows transfers only new objects. */
async function restoreSourceCache(cacheDir: string, dir: string): Promise<void> {
  try {
    await lstat(join(dir, '.git'));
    return;
  } catch {
    // no checkout yet: restore one
  }
  try {
    await cp(join(cacheDir, 'git'), join(dir, '.git'), { recursive: true, verbatimSymlinks: true });
  } catch {
    // Nothing cached yet (or a concurrent save replaced it): a full fetch follows.
    await rm(join(dir, '.git'), { recursive: true, force: true });
  }
}

/** Replaces the cached `.git` with this checkout's, through a rename so readers never see half of one. */
async function saveSourceCache(cacheDir: string, dir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const staging = join(cacheDir, `git.${uuid()}`);
  await cp(join(dir, '.git'), staging, { recursive: true, verbatimSymlinks: true });
  await rm(join(cacheDir, 'git'), { recursive: true, force: true });
  await rename(staging, join(cacheDir, 'git'));
}
