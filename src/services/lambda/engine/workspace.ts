/**
 * The host directories execution environments see: each deployment package extracted once (by its
 * digest) for /var/task, each ordered set of layers merged once for /opt (later layers overwrite
 * earlier ones, as AWS extracts them in order), each runtime's bootstrap written once for
 * /var/runtime, and one working directory per environment. All of it lives under one directory of
 * the system's temp directory per data directory (never inside the data directory, which the sandbox
 * hides); it is a cache of what the blobs hold, so losing it loses nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../../../core/blobs.js';
import { extractArchive, readArchive } from '../zip.js';

/** A code package as the workspace needs it: its blob and its digest (the directory's name). */
export interface Package {
  blob: string;
  sha: string;
}

async function readBlob(blobs: BlobStore, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.stream(id)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

export interface Slot {
  work: string;
  task: string;
  opt: string;
}

/** Recreates the tree of `from` in `to` (which exists): directories made, files hard-linked, symbolic links copied. */
async function linkTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      await mkdir(target);
      await linkTree(source, target);
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(source), target);
    } else {
      await link(source, target);
    }
  }
}

export class Workspace {
  readonly root: string;
  private readonly making = new Map<string, Promise<string>>();

  constructor(
    dataDir: string,
    private readonly blobs: BlobStore,
  ) {
    this.root = join(tmpdir(), `drydock-lambda-${digest(dataDir).slice(0, 12)}`);
  }

  /** The extracted deployment package. */
  codeDir(code: Package): Promise<string> {
    return this.once(join(this.root, 'code', digest(code.sha)), async (dir) => {
      await extractArchive(readArchive(await readBlob(this.blobs, code.blob)), dir);
    });
  }

  /** The layers merged in order (an empty directory for none). */
  optDir(layers: Package[]): Promise<string> {
    return this.once(join(this.root, 'opt', digest(layers.map((l) => l.sha).join('\n'))), async (dir) => {
      const entries = [];
      for (const layer of layers) entries.push(...readArchive(await readBlob(this.blobs, layer.blob)));
      // Later layers win: keep each path's last entry.
      const merged = new Map(entries.map((entry) => [entry.path, entry]));
      await extractArchive([...merged.values()], dir);
    });
  }

  /** /var/runtime for a runtime: Drydock's bootstrap for it, or nothing (custom runtimes). */
  runtimeDir(bootstrap: { file: string; source: string } | undefined): Promise<string> {
    const key = bootstrap ? digest(`${bootstrap.file}\n${bootstrap.source}`) : 'empty';
    return this.once(join(this.root, 'runtime', key), async (dir) => {
      const staging = `${dir}.tmp`;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      if (bootstrap) await writeFile(join(staging, bootstrap.file), bootstrap.source);
      await rename(staging, dir);
    });
  }

  /**
   * One environment's directories: its working directory (the process's cwd on the host, the only
   * one it may write) and the empty directories bound at /var/task and /opt, filled (fillSlot) once
   * the environment's function is known. They are siblings: the writable one must not contain them.
   */
  async slot(id: string): Promise<Slot> {
    const root = join(this.root, 'env', id);
    const slot = { work: join(root, 'work'), task: join(root, 'task'), opt: join(root, 'opt') };
    await Promise.all(Object.values(slot).map((dir) => mkdir(dir, { recursive: true })));
    return slot;
  }

  /** Puts the package and the layers into a slot, as hard links to the extracted copies (no bytes copied). */
  async fillSlot(slot: Slot, code: string, opt: string): Promise<void> {
    await Promise.all([linkTree(code, slot.task), linkTree(opt, slot.opt)]);
  }

  async removeEnvironmentDir(id: string): Promise<void> {
    await rm(join(this.root, 'env', id), { recursive: true, force: true });
  }

  /**
   * Removes everything (server stop, data reset). An extraction still under way would write into
   * the tree being removed (ENOTEMPTY): wait for those first, and retry for environments a sandbox
   * is still setting up.
   */
  async remove(): Promise<void> {
    await Promise.allSettled(this.making.values());
    this.making.clear();
    await rm(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }

  /** Makes `dir` with `make` unless it exists, once however many ask at the same time. */
  private once(dir: string, make: (dir: string) => Promise<void>): Promise<string> {
    if (existsSync(dir)) return Promise.resolve(dir);
    let pending = this.making.get(dir);
    if (!pending) {
      pending = (async () => {
        await mkdir(join(dir, '..'), { recursive: true });
        await make(dir);
        return dir;
      })().finally(() => this.making.delete(dir));
      this.making.set(dir, pending);
    }
    return pending;
  }
}
