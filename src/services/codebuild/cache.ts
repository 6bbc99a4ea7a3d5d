/**
 * The project cache: the buildspec's `cache/paths` restored before INSTALL and saved after the
 * build, as one zip (modes and symbolic links kept, so `node_modules/.bin` survives).
 *
 * - NO_CACHE: nothing.
 * - S3: the zip is `<location>/<cacheNamespace or project name>/cache.zip` (location is
 *   `bucket` or `bucket/prefix`, so InvalidateProjectCache's sweep of the prefix removes it).
 * - LOCAL: LOCAL_CUSTOM_CACHE keeps the zip in the project's local cache directory;
 *   LOCAL_SOURCE_CACHE is source.ts's (the `.git` kept between builds); LOCAL_DOCKER_LAYER_CACHE
 *   has nothing to keep, since builds get no Docker daemon.
 *
 * Paths are globs (`node_modules/**\/*`) or plain files and directories, relative to
 * CODEBUILD_SRC_DIR; an absolute path is cached when it lies inside the build's work directory and
 * is otherwise skipped with a log line (Drydock's sandbox cannot write `/root/.m2` and the like).
 * Restoring never replaces a file the source checkout put there. A cache that cannot be read or
 * written is reported in the build log and does not fail the build, as on AWS.
 */
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { uuid } from '../../core/ids.js';
import type { S3Api } from '../s3/index.js';
import type { BuildRun, CodeBuildContext } from './common.js';
import { matchFiles } from './glob.js';
import { localCacheDir } from './projects.js';
import { createZip, entryFromFile, extractZip, type ZipEntry } from './zip.js';

interface CacheStore {
  describe: string;
  read(): Promise<Buffer | undefined>;
  write(zip: Buffer): Promise<void>;
}

export async function restoreCache(c: CodeBuildContext, run: BuildRun, paths: string[]): Promise<void> {
  const store = cacheStore(c, run);
  if (!store || paths.length === 0) return;
  try {
    const zip = await store.read();
    if (!zip) {
      run.log(`[Container] No cache found at ${store.describe}`);
      return;
    }
    const restored = await extractZip(zip, run.workRoot, { overwrite: false });
    run.log(`[Container] Restored ${restored} cached files from ${store.describe}`);
  } catch (err) {
    run.log(`[Container] Unable to download cache: ${(err as Error).message}`);
  }
}

export async function saveCache(c: CodeBuildContext, run: BuildRun, paths: string[]): Promise<void> {
  const store = cacheStore(c, run);
  if (!store || paths.length === 0) return;
  try {
    const entries = await collectCachePaths(run, paths);
    if (entries.length === 0) {
      run.log('[Container] No files matched the cache paths: cache not saved');
      return;
    }
    await store.write(createZip(entries));
    run.log(`[Container] Saved ${entries.length} files to cache ${store.describe}`);
  } catch (err) {
    run.log(`[Container] Unable to upload cache: ${(err as Error).message}`);
  }
}

function cacheStore(c: CodeBuildContext, run: BuildRun): CacheStore | undefined {
  const cache = run.project.cache;
  if (cache?.type === 'S3' && cache.location) {
    const [bucket, ...rest] = cache.location.split('/');
    const prefix = rest.join('/').replace(/^\/+|\/+$/g, '');
    const key = `${prefix ? `${prefix}/` : ''}${cache.cacheNamespace ?? run.project.name}/cache.zip`;
    const s3 = c.rt.service<S3Api>('s3');
    return {
      describe: `s3://${bucket}/${key}`,
      async read() {
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
      async write(zip) {
        await s3.putObject(run.scope, bucket, key, zip, { contentType: 'application/zip' });
      },
    };
  }
  if (cache?.type === 'LOCAL' && cache.modes?.includes('LOCAL_CUSTOM_CACHE')) {
    const file = join(localCacheDir(c.rt.dataDir, run.scope, run.project.name!), 'custom', 'cache.zip');
    return {
      describe: 'the local custom cache',
      async read() {
        try {
          return await readFile(file);
        } catch {
          return undefined;
        }
      },
      async write(zip) {
        await mkdir(dirname(file), { recursive: true });
        // Written aside and renamed, so a build restoring at the same time reads a whole zip.
        const staging = `${file}.${uuid()}`;
        await writeFile(staging, zip);
        await rename(staging, file);
      },
    };
  }
  return undefined;
}

const GLOB_CHARS = /[*?[{]/;

/** The files the cache paths name, as entries relative to the work root (`src/node_modules/…`). */
export async function collectCachePaths(run: BuildRun, paths: string[]): Promise<ZipEntry[]> {
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
      let info;
      try {
        info = await lstat(join(root, base));
      } catch {
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
