/**
 * Zip archives for build sources, artifacts and caches, with Unix modes (read and written by
 * src/core/zip.ts, re-exported for the engine): files on disk as entries, and extraction, which
 * refuses entries that would land outside the target directory, as CodeBuild's agent (Go's
 * archive/zip) does with "zip: insecure file path", and what is not a zip with "zip: not a valid
 * zip file".
 */
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readZip, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, safeEntryPath, type ZipEntry, ZipFormatError } from '../../../core/zip.js';

export { createZip, readZip, safeEntryPath, type ZipEntry } from '../../../core/zip.js';

/** What the build's agent reports for an archive it cannot use, in Go's archive/zip words. */
export class ZipError extends Error {}

/**
 * A file on disk as a zip entry. Symbolic links are stored as links when `keepSymlinks`, otherwise
 * followed; undefined for what cannot be stored (a link to a directory or to nothing).
 */
export async function entryFromFile(path: string, name: string, keepSymlinks: boolean): Promise<ZipEntry | undefined> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) {
    if (keepSymlinks) return { name, data: Buffer.from(await readlink(path)), mode: S_IFLNK | 0o777, mtime: info.mtime };
    let target: Awaited<ReturnType<typeof stat>>;
    try {
      target = await stat(path);
    } catch {
      return undefined;
    }
    if (!target.isFile()) return undefined;
    return { name, data: await readFile(path), mode: S_IFREG | (target.mode & 0o777), mtime: target.mtime };
  }
  if (!info.isFile()) return undefined;
  return { name, data: await readFile(path), mode: S_IFREG | (info.mode & 0o777), mtime: info.mtime };
}

/** Whether any directory between `root` and `path` is a symbolic link (writing there could escape `root`). */
async function crossesSymlink(root: string, relative: string): Promise<boolean> {
  const parts = relative.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    try {
      if ((await lstat(current)).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Writes a zip's entries below `dir`, with their modes. `overwrite: false` keeps files already
 * there (a restored cache never replaces checked-out sources). Throws ZipError('zip: insecure file
 * path') before writing anything when an entry would leave `dir`.
 */
export async function extractZip(zip: Uint8Array, dir: string, options: { overwrite: boolean }): Promise<number> {
  let entries: ZipEntry[];
  try {
    entries = readZip(zip);
  } catch (err) {
    if (err instanceof ZipFormatError) throw new ZipError('zip: not a valid zip file');
    throw err;
  }
  const planned = entries.map((entry) => {
    const path = safeEntryPath(entry.name);
    if (path === undefined) throw new ZipError(`zip: insecure file path: ${entry.name}`);
    return { ...entry, path };
  });
  await mkdir(dir, { recursive: true });
  const links: typeof planned = [];
  let written = 0;
  for (const entry of planned) {
    if (entry.path === '' || entry.path === '.') continue;
    const type = entry.mode & S_IFMT;
    const target = join(dir, entry.path);
    if (await crossesSymlink(dir, entry.path)) throw new ZipError(`zip: insecure file path: ${entry.name}`);
    if (entry.name.endsWith('/') || type === S_IFDIR) {
      await mkdir(target, { recursive: true });
      continue;
    }
    // Links are made last so no later entry can be written through one.
    if (type === S_IFLNK) {
      links.push(entry);
      continue;
    }
    if (!options.overwrite && (await exists(target))) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, entry.data);
    const permissions = entry.mode & 0o777;
    if (permissions) await chmod(target, permissions);
    written++;
  }
  for (const entry of links) {
    const target = join(dir, entry.path);
    if (await exists(target)) {
      if (!options.overwrite) continue;
      throw new ZipError(`zip: ${entry.name} is a symbolic link over an existing file`);
    }
    await mkdir(dirname(target), { recursive: true });
    await symlink(Buffer.from(entry.data).toString('utf8'), target);
    written++;
  }
  return written;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
