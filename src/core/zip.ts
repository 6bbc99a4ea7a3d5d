/**
 * Zip archives with their Unix modes, for any service that reads or writes them (build sources,
 * artifacts and caches, Lambda deployment packages and layers). fflate compresses and inflates; the
 * central directory (zip64 included) is read here too because fflate does not expose the external
 * attributes that carry the executable bit and symbolic links (`./gradlew` and a custom runtime's
 * `bootstrap` must stay runnable). Errors are ZipFormatError: each service words them as its AWS
 * counterpart does.
 */
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import type { Zippable } from 'fflate';

/** fflate is loaded on first use: importing it costs ~30 ms of server start-up. */
let fflateModule: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

/** The file type bits of a Unix mode, and the types archives carry. */
export const S_IFMT = 0o170000;
export const S_IFLNK = 0o120000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

/** What is not a readable zip: no end of central directory, a broken directory, or data fflate cannot inflate. */
export class ZipFormatError extends Error {}

export interface ZipEntry {
  /** `/`-separated path inside the archive, as written (see safeEntryPath). */
  name: string;
  data: Uint8Array;
  /** Unix mode with file type bits (symbolic links: S_IFLNK, data is the link target); 0 when the archiver recorded none. */
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

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;

/** Where the central directory starts and how many entries it has, from the end records (zip64's when the classic ones overflow). */
function centralDirectory(zip: Uint8Array, view: DataView): { offset: number; count: number } {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end of central directory record');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((offset === 0xffffffff || count === 0xffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const record = Number(view.getBigUint64(eocd - 12, true));
    if (record + 56 > zip.length || view.getUint32(record, true) !== ZIP64_EOCD) throw new ZipFormatError('broken zip64 end of central directory record');
    count = Number(view.getBigUint64(record + 32, true));
    offset = Number(view.getBigUint64(record + 48, true));
  }
  return { offset, count };
}

/** Unix modes by entry name, from the central directory (0 where the archive did not record one). */
function modesOf(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let { offset, count } = centralDirectory(zip, view);
  const modes = new Map<string, number>();
  for (; count > 0; count--) {
    if (offset + 46 > zip.length || view.getUint32(offset, true) !== CENTRAL_ENTRY) throw new ZipFormatError('broken central directory');
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    // Names are UTF-8 when flag bit 11 says so, else CP437, which fflate reads as Latin-1: the keys must match fflate's.
    const name = Buffer.from(zip.subarray(offset + 46, offset + 46 + nameLength)).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // Unix (3) and macOS (19) archivers keep st_mode in the upper half of the external attributes.
    modes.set(name, madeBy === 3 || madeBy === 19 ? external >>> 16 : 0);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

/** The entries of a zip, in archive order, with their modes; ZipFormatError for what is not a readable zip. */
export function readZip(zip: Uint8Array): ZipEntry[] {
  const modes = modesOf(zip);
  let files: Record<string, Uint8Array>;
  try {
    files = fflate().unzipSync(zip);
  } catch (err) {
    throw new ZipFormatError((err as Error).message);
  }
  return Object.entries(files).map(([name, data]) => ({ name, data, mode: modes.get(name) ?? 0 }));
}

/** The safe relative path an entry name stands for (without trailing `/`), or undefined for one that leaves the directory. */
export function safeEntryPath(name: string): string | undefined {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) return undefined;
  const normalized = posix.normalize(unified);
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized.replace(/\/+$/, '');
}
