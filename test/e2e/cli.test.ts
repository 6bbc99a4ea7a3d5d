/**
 * The `drydock` command as users run it: the built CLI (dist/, built by `npm test` before vitest)
 * in its own process, driven through signals, its internal API and the aws CLI.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectsCommand, GetBucketLocationCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { SERVICES } from '../../src/services/index.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const READY = /^Drydock (\S+) ready on (http:\/\/localhost:(\d+)) \(data: (ephemeral )?(.+)\)$/m;
// The machine running the suite may be busy: startup gets a generous bound.
const STARTUP_MS = 20_000;

/** The environment of a user with no AWS configuration of their own. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('DRYDOCK_')) env[k] = v;
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', DRYDOCK_LOG_LEVEL: 'warn', ...extra };
}

interface Started {
  child: ChildProcess;
  url: string;
  port: number;
  dataDir: string;
  ephemeral: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it has written to stderr so far (its log). */
  stderr(): string;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startDrydock(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'start', ...args], { cwd: options.cwd ?? PACKAGE_ROOT, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${STARTUP_MS} ms; stdout: ${stdout} stderr: ${stderr}`)), STARTUP_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = READY.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      expect(m[1]).toBe(VERSION);
      resolve({ child, url: m[2], port: Number(m[3]), ephemeral: m[4] !== undefined, dataDir: m[5], exit, stderr: () => stderr });
    });
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`drydock exited with ${code} before it was ready: ${stderr}`));
    });
  });
}

/** Runs a one-shot CLI command (status, reset, aws …) to completion. */
async function drydock(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: cleanEnv(env), maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function ssmClient(url: string): SSMClient {
  return new SSMClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

describe('drydock CLI', () => {
  it('start --port N --data-dir DIR: ready line, health, status, clean SIGTERM, state kept across restarts', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-cli-'));
    try {
      const server = await startDrydock(['--port', String(port), '--data-dir', dataDir]);
      expect(server).toMatchObject({ url: `http://localhost:${port}`, port, dataDir, ephemeral: false });

      const res = await fetch(`${server.url}/_drydock/health`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const health = (await res.json()) as { version: string; services: Record<string, string> };
      expect(health.version).toBe(VERSION);
      expect(Object.keys(health.services).sort()).toEqual(Object.keys(SERVICES).sort());

      const status = await drydock(['status', '--endpoint', server.url]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'running', version: VERSION, dataDir });

      await ssmClient(server.url).send(new PutParameterCommand({ Name: '/cli/kept', Value: 'across restarts', Type: 'String' }));
      server.child.kill('SIGTERM');
      expect(await server.exit).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'drydock.sqlite'))).toBe(true);

      const again = await startDrydock(['--port', String(port), '--data-dir', dataDir]);
      const got = await ssmClient(again.url).send(new GetParameterCommand({ Name: '/cli/kept' }));
      expect(got.Parameter?.Value).toBe('across restarts');
      again.child.kill('SIGTERM');
      expect(await again.exit).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reset wipes state; drydock aws runs the aws CLI against Drydock with test or 12-digit keys', async () => {
    const server = await startDrydock(['--port', '0', '--ephemeral']);
    const env = { DRYDOCK_PORT: String(server.port) };

    const identity = await drydock(['aws', 'sts', 'get-caller-identity', '--output', 'json'], env);
    expect(identity.code).toBe(0);
    expect(JSON.parse(identity.stdout)).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
    const other = await drydock(['aws', 'sts', 'get-caller-identity', '--output', 'json'], { ...env, AWS_ACCESS_KEY_ID: '111122223333', AWS_SECRET_ACCESS_KEY: 'test' });
    expect(JSON.parse(other.stdout)).toMatchObject({ Account: '111122223333' });

    const put = await drydock(['aws', 'ssm', 'put-parameter', '--name', '/cli/wiped', '--value', 'v', '--type', 'String', '--output', 'json'], env);
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ Version: 1 });
    const ssm = ssmClient(server.url);
    expect((await ssm.send(new GetParameterCommand({ Name: '/cli/wiped' }))).Parameter?.Value).toBe('v');

    const reset = await drydock(['reset', '--yes'], env);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual({ reset: true });
    await expect(ssm.send(new GetParameterCommand({ Name: '/cli/wiped' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });

    // The HTTP form works the same, and wiping keeps the schema: writes succeed right after.
    const viaHttp = await fetch(`${server.url}/_drydock/reset`, { method: 'POST' });
    expect(viaHttp.status).toBe(200);
    expect((await ssm.send(new PutParameterCommand({ Name: '/cli/wiped', Value: 'again', Type: 'String' }))).Version).toBe(1);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 60_000);

  // Everything else tests the TypeScript sources; this drives the compiled server that users run,
  // through each protocol family and the modules it loads only on first use (XML parser, CRCs).
  it('the built server answers XML, query and JSON requests', async () => {
    const server = await startDrydock(['--port', '0', '--ephemeral']);
    const config = { endpoint: server.url, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'built', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'built' }))).LocationConstraint).toBe('eu-west-1');
    await s3.send(new PutObjectCommand({ Bucket: 'built', Key: 'a', Body: 'x', ChecksumAlgorithm: 'CRC32C' }));
    await s3.send(new PutObjectCommand({ Bucket: 'built', Key: 'b', Body: 'y', ChecksumAlgorithm: 'CRC32' }));
    const deleted = await s3.send(new DeleteObjectsCommand({ Bucket: 'built', Delete: { Objects: [{ Key: 'a' }] } }));
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(['a']);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'built' }))).Contents?.map((c) => c.Key)).toEqual(['b']);
    expect((await new IAMClient(config).send(new CreateUserCommand({ UserName: 'built' }))).User?.UserName).toBe('built');
    await ssmClient(server.url).send(new PutParameterCommand({ Name: '/built', Value: 'v', Type: 'String' }));
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 30_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '--ephemeral: %s exits 0 and removes the data directory',
    async (signal) => {
      const server = await startDrydock(['--port', '0', '--ephemeral']);
      expect(server.ephemeral).toBe(true);
      expect(existsSync(join(server.dataDir, 'drydock.sqlite'))).toBe(true);
      await ssmClient(server.url).send(new PutParameterCommand({ Name: '/cli/ephemeral', Value: 'v', Type: 'String' }));
      server.child.kill(signal);
      expect(await server.exit).toEqual({ code: 0, signal: null });
      expect(existsSync(server.dataDir)).toBe(false);
    },
    30_000,
  );

  it('without --data-dir, state lives in ./.drydock of the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'drydock-cwd-'));
    try {
      const server = await startDrydock(['--port', '0'], { cwd });
      expect(server.dataDir).toBe(join(cwd, '.drydock'));
      expect(existsSync(join(cwd, '.drydock', 'drydock.sqlite'))).toBe(true);
      server.child.kill('SIGTERM');
      expect((await server.exit).code).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a bad port, a port in use and conflicting flags with a clear message', async () => {
    for (const port of ['abc', '70000', '']) {
      const bad = await drydock(['start', '--ephemeral', `--port=${port}`]);
      expect(bad.code, `--port=${port}`).not.toBe(0);
      expect(bad.stderr).toContain(`drydock: --port must be an integer from 0 to 65535, got "${port}"`);
    }
    const badEnv = await drydock(['start', '--ephemeral'], { DRYDOCK_PORT: 'http' });
    expect(badEnv.code).not.toBe(0);
    expect(badEnv.stderr).toContain('DRYDOCK_PORT must be an integer from 0 to 65535, got "http"');

    const both = await drydock(['start', '--ephemeral', '--data-dir', '/tmp/x']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('use either --data-dir or --ephemeral');

    const server = await startDrydock(['--port', '0', '--ephemeral']);
    const clash = await drydock(['start', '--ephemeral', '--port', String(server.port)]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain(`port ${server.port} is already in use`);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 60_000);

  it('status and reset say so when nothing is listening', async () => {
    const port = await freePort();
    const status = await drydock(['status', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`Drydock is not reachable at http://127.0.0.1:${port}`);
    const reset = await drydock(['reset', '--yes'], { DRYDOCK_PORT: String(port) });
    expect(reset.code).toBe(1);
    expect(reset.stderr).toContain(`Drydock is not reachable at http://localhost:${port}`);
  }, 30_000);

  it('one Drydock per data directory: a second start refuses; a lock left by kill -9 is taken over with a note', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-cli-'));
    const lockFile = join(dataDir, 'drydock.pid');
    try {
      const first = await startDrydock(['--port', '0', '--data-dir', dataDir]);
      expect(readFileSync(lockFile, 'utf8')).toBe(`${first.child.pid}\n`);
      const second = await drydock(['start', '--port', '0', '--data-dir', dataDir]);
      expect(second).toEqual({
        code: 1,
        stdout: '',
        stderr: `drydock: another Drydock (PID ${first.child.pid}) is using the data directory ${dataDir}: stop it first, or give this one another data directory (the lock is ${lockFile})\n`,
      });
      // The first one never noticed: it still serves.
      expect((await fetch(`${first.url}/_drydock/health`)).status).toBe(200);

      first.child.kill('SIGKILL');
      await first.exit;
      expect(readFileSync(lockFile, 'utf8')).toBe(`${first.child.pid}\n`);
      const third = await startDrydock(['--port', '0', '--data-dir', dataDir]);
      expect(readFileSync(lockFile, 'utf8')).toBe(`${third.child.pid}\n`);
      third.child.kill('SIGTERM');
      expect((await third.exit).code).toBe(0);
      const notes = third
        .stderr()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: number; msg: string; stalePid?: number });
      expect(notes).toContainEqual(
        expect.objectContaining({ level: 40, stalePid: first.child.pid, msg: `taking over the data directory lock of Drydock PID ${first.child.pid}, which is no longer running` }),
      );
      // A clean shutdown leaves no lock behind.
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('--quiet: no log line per request', async () => {
    const requestLines = async (args: string[]) => {
      const server = await startDrydock(['--port', '0', '--ephemeral', ...args], { env: { DRYDOCK_LOG_LEVEL: 'info' } });
      await ssmClient(server.url).send(new PutParameterCommand({ Name: '/cli/logged', Value: 'v', Type: 'String' }));
      server.child.kill('SIGTERM');
      expect((await server.exit).code).toBe(0);
      return server
        .stderr()
        .trim()
        .split('\n')
        .filter((line) => (JSON.parse(line) as { msg: string }).msg === 'request');
    };
    expect(await requestLines([])).toHaveLength(1);
    expect(await requestLines(['--quiet'])).toEqual([]);
  }, 60_000);
});
