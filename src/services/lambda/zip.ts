/**
 * Deployment packages and layer archives: read once when uploaded (AWS refuses what it cannot
 * unzip, and what unzips to more than 250 MB), extracted with their Unix modes when an execution
 * environment needs them (a custom runtime's `bootstrap` must stay executable). The archive itself
 * is read by src/core/zip.ts.
 */
import { chmod, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hex } from '../../core/ids.js';
import { readZip, S_IFDIR, S_IFLNK, S_IFMT, safeEntryPath, type ZipEntry, ZipFormatError } from '../../core/zip.js';

/** Lambda's quota on a deployment package (function and layers) once unzipped. */
export const MAX_UNZIPPED_BYTES = 262_144_000;

interface ArchiveEntry {
  /** A safe `/`-separated relative path. */
  path: string;
  data: Uint8Array;
  /** Unix mode with its file type bits; 0 when the archiver recorded none. */
  mode: number;
}

/** An archive Lambda refuses: not a zip, a path that leaves it, or too large unzipped (code.ts words each as AWS does). */
export class ArchiveError extends Error {}

/** The archive's entries; ArchiveError for what is not a zip, a path that leaves the archive, or more than 250 MB unzipped. */
export function readArchive(zip: Uint8Array): ArchiveEntry[] {
  let files: ZipEntry[];
  try {
    files = readZip(zip);
  } catch (err) {
    if (err instanceof ZipFormatError) throw new ArchiveError(err.message);
    throw err;
  }
  let total = 0;
  const entries: ArchiveEntry[] = [];
  for (const { name, data, mode } of files) {
    const path = safeEntryPath(name);
    if (path === undefined) throw new ArchiveError(`insecure path ${name}`);
    total += data.length;
    if (total > MAX_UNZIPPED_BYTES) throw new ArchiveError('too large unzipped');
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
