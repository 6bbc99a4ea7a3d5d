/**
 * Deployment packages and layer archives: read once when uploaded (AWS refuses what it cannot
 * unzip, and what unzips to more than 250 MB), extracted with their Unix modes when an execution
 * environment needs them (a custom runtime's `bootstrap` must stay executable). fflate inflates;
 * the central directory is read here for the modes, which fflate does not expose.
 */
import { chmod, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { hex } from '../../core/ids.js';

/** fflate is loaded on first use: importing it costs server start-up time. */
let fflateModule: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** Lambda's quota on a deployment package (function and layers) once unzipped. */
export const MAX_UNZIPPED_BYTES = 262_144_000;

interface ArchiveEntry {
  /** A safe `/`-separated relative path. */
  path: string;
  data: Uint8Array;
  /** Unix mode with its file type bits; 0 when the archiver recorded none. */
  mode: number;
}

export class ArchiveError extends Error {}

/** Unix modes by entry name, from the central directory; throws ArchiveError when there is none. */
function modesOf(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ArchiveError('no end of central directory');
  const count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  const modes = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    if (offset + 46 > zip.length || view.getUint32(offset, true) !== 0x02014b50) throw new ArchiveError('broken central directory');
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    // fflate reads names as UTF-8 when flag bit 11 says so, else as Latin-1: the keys must match.
    const name = Buffer.from(zip.subarray(offset + 46, offset + 46 + nameLength)).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // Unix (3) and macOS (19) archivers keep st_mode in the upper half of the external attributes.
    modes.set(name, madeBy === 3 || madeBy === 19 ? external >>> 16 : 0);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

function safePath(name: string): string | undefined {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) return undefined;
  const normalized = posix.normalize(unified).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized;
}

/** The archive's entries; ArchiveError for what is not a zip, a path that leaves the archive, or more than 250 MB unzipped. */
export function readArchive(zip: Uint8Array): ArchiveEntry[] {
  const modes = modesOf(zip);
  let files: Record<string, Uint8Array>;
  try {
    files = fflate().unzipSync(zip);
  } catch (err) {
    throw new ArchiveError((err as Error).message);
  }
  let total = 0;
  const entries: ArchiveEntry[] = [];
  for (const [name, data] of Object.entries(files)) {
    const path = safePath(name);
    if (path === undefined) throw new ArchiveError(`insecure path ${name}`);
    total += data.length;
    if (total > MAX_UNZIPPED_BYTES) throw new ArchiveError('too large unzipped');
    const mode = modes.get(name) ?? 0;
    if (path === '' || path === '.' || name.endsWith('/') || (mode & S_IFMT) === S_IFDIR) continue;
    entries.push({ path, data, mode });
  }
  return entries;
}

/**
 * Writes the entries below `dir`, made in a sibling temporary directory and renamed into place, so
 * a directory that exists is complete. Files without a recorded mode get 0644 (AWS's default for
 * archives made on Windows), and symbolic links are made as links.
 */
export async function extractArchive(entries: ArchiveEntry[], dir: string): Promise<void> {
  const staging = `${dir}.${hex(6)}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for (const entry of entries) {
      const target = join(staging, entry.path);
      await mkdir(dirname(target), { recursive: true });
      if ((entry.mode & S_IFMT) === S_IFLNK) {
        await symlink(Buffer.from(entry.data).toString('utf8'), target);
        continue;
      }
      await writeFile(target, entry.data);
      await chmod(target, entry.mode & 0o777 || 0o644);
    }
    await rename(staging, dir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    // Another environment extracted the same archive first: its copy is as good.
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
}
