/**
 * `npm start` as a user runs it, on a copy of the package (so rebuilding never races the suite's own
 * dist/): the bundle package.json's `bin` names is built when missing or older than one of its
 * inputs, never when nothing changed, and the bundled `drydock start` serves AWS requests.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const PACKAGE = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string; bin: { drydock: string } };
const READY = /^Drydock \S+ ready on (http:\/\/localhost:\d+) /m;
const BUILDING = /^drydock: building dist\/drydock\.mjs \((.+)\)…$/m;
// The machine running the suite may be busy: a start (and a build) gets a generous bound.
const STARTUP_MS = 30_000;

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drydock-start-'));
  const notTests = (path: string) => !path.endsWith('.test.ts');
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src', 'models']) {
    cpSync(join(PACKAGE_ROOT, entry), join(root, entry), { recursive: true, filter: notTests });
  }
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bundle = () => join(root, PACKAGE.bin.drydock);

interface Started {
  url: string;
  /** What npm start wrote to stderr before the ready line: a build says so there. */
  stderr: string;
  stop(): Promise<void>;
}

/** `npm start -- --port 0 --ephemeral` in the copy, up to its ready line. */
function npmStart(): Promise<Started> {
  // detached: npm, its shell and Drydock form one process group, stopped with one signal.
  const child: ChildProcess = spawn('npm', ['start', '--', '--port', '0', '--ephemeral'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DRYDOCK_LOG_LEVEL: 'warn' },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  };
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`no ready line within ${STARTUP_MS} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, STARTUP_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = READY.exec(stdout);
      if (!ready) return;
      clearTimeout(timer);
      resolve({ url: ready[1], stderr, stop });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before its ready line; stdout: ${stdout} stderr: ${stderr}`));
    });
  });
}

describe('npm start', () => {
  it('builds the bundle when there is none, then starts without building while nothing changed', async () => {
    const first = await npmStart();
    await first.stop();
    expect(BUILDING.exec(first.stderr)?.[1]).toBe('dist/drydock.mjs does not exist yet');
    const built = statSync(bundle()).mtimeMs;

    const second = await npmStart();
    await second.stop();
    expect(second.stderr).not.toMatch(BUILDING);
    expect(statSync(bundle()).mtimeMs).toBe(built);
  });

  it('rebuilds the bundle when a source is newer than it, and says which', async () => {
    const now = new Date();
    const before = new Date(now.getTime() - 60_000);
    utimesSync(bundle(), before, before);
    utimesSync(join(root, 'src', 'version.ts'), now, now);
    const started = await npmStart();
    await started.stop();
    expect(BUILDING.exec(started.stderr)?.[1]).toBe('src/version.ts changed since the last build');
    expect(statSync(bundle()).mtimeMs).toBeGreaterThan(before.getTime());
  });

  it('the bundle serves: signed STS GetCallerIdentity, and health reports the sandbox once it has probed for it', async () => {
    const started = await npmStart();
    try {
      const sts = new STSClient({ endpoint: started.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:root');
      const health = async () => (await (await fetch(`${started.url}/_drydock/health`)).json()) as { version: string; sandbox: string };
      const first = await health();
      expect(first.version).toBe(PACKAGE.version);
      // The first health check starts the probe and does not wait for it.
      expect(first.sandbox).toBe('detecting');
      let sandbox = first.sandbox;
      while (sandbox === 'detecting') sandbox = (await health()).sandbox;
      expect(['bubblewrap', 'namespaces', 'process']).toContain(sandbox);
    } finally {
      await started.stop();
    }
  });
});
