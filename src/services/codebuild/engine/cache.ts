/**
 * The project cache: the buildspec's `cache/paths` restored before INSTALL and saved after the
 * build, as one zip (modes and symbolic links kept, so `node_modules/.bin` survives).
 *
 * - NO_CACHE: nothing.
 * - S3: zips under `<location>/<cacheNamespace or project name>/` (location is `bucket` or
 *   `bucket/prefix`, so InvalidateProjectCache's sweep of the prefix removes them).
 * - LOCAL: LOCAL_CUSTOM_CACHE keeps the zips in the project's local cache directory and, as on AWS,
 *   caches directories only; LOCAL_SOURCE_CACHE is source.ts's (the `.git` kept between builds);
 *   LOCAL_DOCKER_LAYER_CACHE has nothing to keep, since builds get no Docker daemon.
 *
 * Without a `key` the project has one cache, replaced by every build that saves. With a `key`
 * (`$VAR`/`${VAR}` expanded from the build's environment) each key's cache is written once and
 * never updated; a restore that misses tries each `fallback-keys` entry as a key prefix, newest
 * first. `action: restore` only restores, `action: save` only saves.
 *
 * Paths are globs (`node_modules/**\/*`) or plain files and directories, relative to
 * CODEBUILD_SRC_DIR; an absolute path is cached when it lies inside the build's work directory and
 * is otherwise skipped with a log line (Drydock's sandbox cannot write `/root/.m2` and the like).
 * Restoring never replaces a file the source checkout put there. A cache that cannot be read or
 * written is reported in the build log and does not fail the build, as on AWS.
 */
import { lstat, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { uuid } from '../../../core/ids.js';
import type { BuildRun, Buildspec, CodeBuildContext } from '../common.js';
import { matchFiles } from '../glob.js';
import { localCacheDir } from '../names.js';
import { expandVariables } from './artifacts.js';
import { createZip, entryFromFile, extractZip, type ZipEntry } from './zip.js';

/** The buildspec's cache section besides its paths: `key`, `fallback-keys`, `action`. */
export type CacheOptions = Partial<Pick<NonNullable<Buildspec['cache']>, 'key' | 'fallbackKeys' | 'action'>>;

/** Where a project's cache zips live: one per cache key (`''` is the project's unkeyed cache). */
interface CacheStore {
  describe(name: string): string;
  read(name: string): Promise<Buffer | undefined>;
  write(name: string, zip: Buffer): Promise<void>;
  /** The newest cache whose key starts with `prefix` (fallback-keys). */
  newest(prefix: string): Promise<string | undefined>;
}

/** The key a build restored with, so saving uses the same one even if the variables changed since. */
const evaluatedKeys = new WeakMap<BuildRun, string>();

export async function restoreCache(c: CodeBuildContext, run: BuildRun, paths: string[], options: CacheOptions = {}): Promise<void> {
  const store = cacheStore(c, run);
  if (!store || paths.length === 0) return;
  const key = cacheKey(run, options);
  if (options.action === 'save') return;
  try {
    let name: string | undefined = key;
    let zip = await store.read(name);
    // fallback-keys: each tried in order, as a prefix of the keys saved so far (the newest wins).
    for (const fallback of key ? (options.fallbackKeys ?? []) : []) {
      if (zip) break;
      const prefix = expandVariables(fallback, run.env ?? {});
      name = (await store.read(prefix)) ? prefix : await store.newest(prefix);
      zip = name !== undefined ? await store.read(name) : undefined;
    }
    if (!zip || name === undefined) {
      run.log(`[Container] No cache found at ${store.describe(key)}`);
      return;
    }
    const restored = await extractZip(zip, run.workRoot, { overwrite: false });
    run.log(`[Container] Restored ${restored} cached files from ${store.describe(name)}`);
  } catch (err) {
    run.log(`[Container] Unable to download cache: ${(err as Error).message}`);
  }
}

export async function saveCache(c: CodeBuildContext, run: BuildRun, paths: string[], options: CacheOptions = {}): Promise<void> {
  const store = cacheStore(c, run);
  if (!store || paths.length === 0 || options.action === 'restore') return;
  const key = evaluatedKeys.get(run) ?? cacheKey(run, options);
  try {
    // A keyed cache is written once and never updated, as on AWS; the unkeyed cache follows every build.
    if (key && (await store.read(key))) {
      run.log(`[Container] Cache ${store.describe(key)} already exists: not updated`);
      return;
    }
    const local = run.project.cache?.type === 'LOCAL';
    const entries = await collectCachePaths(run, paths, local);
    if (entries.length === 0) {
      run.log('[Container] No files matched the cache paths: cache not saved');
      return;
    }
    await store.write(key, createZip(entries));
    run.log(`[Container] Saved ${entries.length} files to cache ${store.describe(key)}`);
  } catch (err) {
    run.log(`[Container] Unable to upload cache: ${(err as Error).message}`);
  }
}

/** The evaluated cache key ('' without one): `$VAR` and `${VAR}` from the build's environment. */
function cacheKey(run: BuildRun, options: CacheOptions): string {
  const key = options.key ? expandVariables(options.key, run.env ?? {}) : '';
  if (options.key && /\$\(/.test(options.key)) run.log(`[Container] Cache key ${options.key}: command substitution is not evaluated by Drydock`);
  evaluatedKeys.set(run, key);
  return key;
}

/** File name of a cache: `cache.zip` for the unkeyed cache, `keys/<key>.zip` (key URI-encoded, so prefixes stay prefixes). */
const cacheFile = (name: string) => (name ? `keys/${encodeURIComponent(name)}.zip` : 'cache.zip');
const keyOfFile = (file: string) => decodeURIComponent(file.slice(0, -'.zip'.length));

function cacheStore(c: CodeBuildContext, run: BuildRun): CacheStore | undefined {
  const cache = run.project.cache;
  if (cache?.type === 'S3' && cache.location) {
    const [bucket, ...rest] = cache.location.split('/');
    const prefix = rest.join('/').replace(/^\/+|\/+$/g, '');
    // cacheNamespace shares keyed caches across projects; otherwise each project has its own.
    const base = `${prefix ? `${prefix}/` : ''}${cache.cacheNamespace ?? run.project.name}/`;
    const s3 = c.rt.api('s3');
    return {
      describe: (name) => `s3://${bucket}/${base}${cacheFile(name)}`,
      async read(name) {
        const key = base + cacheFile(name);
        try {
          s3.headObject(run.scope, bucket, key);
        } catch (err) {
          if ((err as { code?: string }).code === 'NoSuchKey') return undefined;
          throw err;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of s3.getObject(run.scope, bucket, key).body) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      },
      async write(name, zip) {
        await s3.putObject(run.scope, bucket, base + cacheFile(name), zip, { contentType: 'application/zip' });
      },
      async newest(keyPrefix) {
        const objects = s3.listObjects(run.scope, bucket, `${base}keys/${encodeURIComponent(keyPrefix)}`).filter((o) => o.key.endsWith('.zip'));
        objects.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
        return objects.length ? keyOfFile(objects[0].key.slice(`${base}keys/`.length)) : undefined;
      },
    };
  }
  if (cache?.type === 'LOCAL' && cache.modes?.includes('LOCAL_CUSTOM_CACHE')) {
    const dir = join(localCacheDir(c.rt.dataDir, run.scope, run.project.name!), 'custom');
    return {
      describe: (name) => (name ? `the local custom cache ${name}` : 'the local custom cache'),
      async read(name) {
        try {
          return await readFile(join(dir, cacheFile(name)));
        } catch {
          return undefined;
        }
      },
      async write(name, zip) {
        const file = join(dir, cacheFile(name));
        await mkdir(dirname(file), { recursive: true });
        // Written aside and renamed, so a build restoring at the same time reads a whole zip.
        const staging = `${file}.${uuid()}`;
        await writeFile(staging, zip);
        await rename(staging, file);
      },
      async newest(keyPrefix) {
        let files: string[];
        try {
          files = (await readdir(join(dir, 'keys'))).filter((f) => f.endsWith('.zip') && f.startsWith(encodeURIComponent(keyPrefix)));
        } catch {
          return undefined;
        }
        const dated = await Promise.all(files.map(async (f) => ({ f, at: (await stat(join(dir, 'keys', f))).mtimeMs })));
        dated.sort((a, b) => b.at - a.at);
        return dated.length ? keyOfFile(dated[0].f) : undefined;
      },
    };
  }
  return undefined;
}

const GLOB_CHARS = /[*?[{]/;

/** The files the cache paths name, as entries relative to the work root (`src/node_modules/…`). */
export async function collectCachePaths(run: BuildRun, paths: string[], directoriesOnly = false): Promise<ZipEntry[]> {
  const root = run.workRoot;
  const entries = new Map<string, ZipEntry>();
  for (const path of paths) {
    const absolute = isAbsolute(path) ? resolve(path) : resolve(run.srcDir, path);
    const inRoot = relative(root, absolute).split(sep).join('/');
    if (inRoot.startsWith('..') || isAbsolute(inRoot)) {
      run.log(`[Container] Cache path ${path} is outside the build's work directory and is not cached by Drydock`);
      continue;
    }
    const segments = inRoot.split('/');
    const globAt = segments.findIndex((segment) => GLOB_CHARS.test(segment));
    let base: string;
    let files: string[];
    if (globAt < 0) {
      base = inRoot;
      let info: Awaited<ReturnType<typeof lstat>>;
      try {
        info = await lstat(join(root, base));
      } catch {
        continue;
      }
      if (!info.isDirectory() && directoriesOnly) {
        // AWS: LOCAL_CUSTOM_CACHE caches directories only.
        run.log(`[Container] Unable to initialize cache download: only directories can be cached locally: ${path}`);
        continue;
      }
      files = info.isDirectory() ? await matchFiles(join(root, base), ['**/*']) : [''];
    } else {
      base = segments.slice(0, globAt).join('/');
      files = await matchFiles(join(root, base), [segments.slice(globAt).join('/')]);
    }
    for (const file of files) {
      const name = [base, file].filter(Boolean).join('/');
      if (entries.has(name)) continue;
      const entry = await entryFromFile(join(root, name), name, true);
      if (entry) entries.set(name, entry);
    }
  }
  return [...entries.values()];
}
