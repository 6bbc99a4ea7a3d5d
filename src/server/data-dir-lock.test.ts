import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.js';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.js';
import { startServer } from './server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-lock-'));
  dirs.push(dir);
  return dir;
}

/** A logger whose lines the test reads. */
function recordingLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

/** The PID of a process that has exited (and been reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

const lockFile = (dir: string) => join(dir, 'drydock.pid');

describe('data directory lock', () => {
  it('names its holder in drydock.pid; a second lock is refused until the first is released', () => {
    const dir = tempDir();
    const { log } = recordingLog();
    const first = lockDataDir(join(dir, 'created'), log);
    expect(readFileSync(lockFile(join(dir, 'created')), 'utf8')).toBe(`${process.pid}\n`);
    let refusal: unknown;
    try {
      lockDataDir(join(dir, 'created'), log);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    expect((refusal as Error).message).toBe(
      `another Drydock (PID ${process.pid}) is using the data directory ${join(dir, 'created')}: stop it first, or give this one another data directory (the lock is ${lockFile(join(dir, 'created'))})`,
    );
    first.release();
    expect(existsSync(lockFile(join(dir, 'created')))).toBe(false);
    lockDataDir(join(dir, 'created'), log).release();
  });

  it('refuses while another live process holds it', async () => {
    const dir = tempDir();
    const other = spawn('sleep', ['30']);
    try {
      await new Promise((resolve) => other.once('spawn', resolve));
      writeFileSync(lockFile(dir), `${other.pid}\n`);
      expect(() => lockDataDir(dir, recordingLog().log)).toThrow(`another Drydock (PID ${other.pid}) is using the data directory ${dir}`);
      expect(readFileSync(lockFile(dir), 'utf8')).toBe(`${other.pid}\n`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it.each([
    ['a process that no longer runs', () => `${deadPid()}\n`],
    // A container restarted on the same volume runs Drydock as PID 1 again: the lock names this PID but is not this process's.
    ['this PID, written by an earlier process', () => `${process.pid}\n`],
    ['no process at all', () => 'garbage'],
  ])('takes over a lock naming %s, with a warning', (_, content) => {
    const dir = tempDir();
    const stale = content();
    writeFileSync(lockFile(dir), stale);
    const { log, lines } = recordingLog();
    const lock = lockDataDir(dir, log);
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(`${process.pid}\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, dataDir: dir, stalePid: stale === 'garbage' ? null : Number(stale) });
    expect(lines[0].msg).toMatch(/^taking over the data directory lock/);
    lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('release leaves alone a lock that is no longer this process’s', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir, recordingLog().log);
    writeFileSync(lockFile(dir), '1\n');
    lock.release();
    expect(readFileSync(lockFile(dir), 'utf8')).toBe('1\n');
  });
});

describe('startServer takes the lock', () => {
  const silent = createLogger('silent');

  it('a second server on the same directory is refused, before it opens the database; close releases it', async () => {
    const dataDir = tempDir();
    const first = await startServer({ port: 0, host: '127.0.0.1', dataDir, log: silent });
    try {
      await expect(startServer({ port: 0, host: '127.0.0.1', dataDir, log: silent })).rejects.toBeInstanceOf(DataDirInUseError);
    } finally {
      await first.close();
    }
    expect(existsSync(lockFile(dataDir))).toBe(false);
    const again = await startServer({ port: 0, host: '127.0.0.1', dataDir, log: silent });
    await again.close();
  });

  it('a server that cannot listen releases the lock', async () => {
    const dataDir = tempDir();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      await expect(startServer({ port, host: '127.0.0.1', dataDir, log: silent })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(existsSync(lockFile(dataDir))).toBe(false);
      const next = await startServer({ port: 0, host: '127.0.0.1', dataDir, log: silent });
      await next.close();
    } finally {
      taken.close();
    }
  });
});
