/**
 * Zip archives for build sources, artifacts and caches, with Unix modes: fflate compresses and
 * inflates, and the central directory is read here too because fflate does not expose the external
 * attributes that carry the executable bit and symbolic links (`./gradlew` must stay runnable).
 * Extraction refuses entries that would land outside the target directory, as CodeBuild's agent
 * (Go's archive/zip) does with "zip: insecure file path".
 */
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import type { Zippable } from 'fflate';

/** fflate is loaded on first use: importing it costs ~30 ms of server start-up. */
let fflateModule: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export class ZipError extends Error {}

export interface ZipEntry {
  /** `/`-separated path inside the archive. */
  name: string;
  data: Uint8Array;
  /** Unix mode with file type bits (symbolic links: S_IFLNK, data is the link target). */
  mode: number;
  mtime?: Date;
}

/** Builds a zip whose entries keep their Unix modes (made-by OS 3). */
export function createZip(entries: ZipEntry[]): Buffer {
  const files: Zippable = {};
  for (const entry of entries) {
    files[entry.name] = [entry.data, { os: 3, attrs: (entry.mode & 0xffff) << 16, ...(entry.mtime ? { mtime: entry.mtime } : {}) }];
  }
  return Buffer.from(fflate().zipSync(files, { level: 6 }));
}

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

/** Unix modes by entry name, from the central directory (0 where the archive did not record one). */
function modesOf(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('zip: not a valid zip file');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((offset === 0xffffffff || count === 0xffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const record = Number(view.getBigUint64(eocd - 12, true));
    if (record + 56 > zip.length || view.getUint32(record, true) !== 0x06064b50) throw new ZipError('zip: not a valid zip file');
    count = Number(view.getBigUint64(record + 32, true));
    offset = Number(view.getBigUint64(record + 48, true));
  }
  const modes = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    if (offset + 46 > zip.length || view.getUint32(offset, true) !== 0x02014b50) throw new ZipError('zip: not a valid zip file');
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const raw = zip.subarray(offset + 46, offset + 46 + nameLength);
    // Names are UTF-8 when flag bit 11 says so, else CP437, which fflate reads as Latin-1; keys must match fflate's.
    const name = Buffer.from(raw).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // Unix (3) and macOS (19) archivers keep st_mode in the upper half of the external attributes.
    modes.set(name, madeBy === 3 || madeBy === 19 ? external >>> 16 : 0);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

/** The entries of a zip, in archive order; ZipError for what is not a readable zip. */
export function readZip(zip: Uint8Array): ZipEntry[] {
  const modes = modesOf(zip);
  let files: ReturnType<ReturnType<typeof fflate>['unzipSync']>;
  try {
    files = fflate().unzipSync(zip);
  } catch (err) {
    throw new ZipError(`zip: not a valid zip file (${(err as Error).message})`);
  }
  return Object.entries(files).map(([name, data]) => ({ name, data, mode: modes.get(name) ?? 0 }));
}

/** The safe relative path an entry name stands for, or undefined for one outside the directory. */
export function safeEntryPath(name: string): string | undefined {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) return undefined;
  const normalized = posix.normalize(unified);
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized.replace(/\/+$/, '');
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
  const entries = readZip(zip);
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
