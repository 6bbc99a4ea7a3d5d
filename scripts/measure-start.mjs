#!/usr/bin/env node
/**
 * How long a start takes to answer: spawns `node <cli> start` on a fresh data directory, polls every
 * 2 ms until the first answer, stops it, and prints the median and range of several starts, for
 * GET /_drydock/health and for a signed STS GetCallerIdentity (the benchmark's "first answer").
 * Also the CPU time the process had used by then (from /proc, on Linux): on a busy machine the
 * wall time mostly measures the others, the CPU time still compares builds.
 *
 *   node scripts/measure-start.mjs [cli] [--runs 10]    cli: package.json's bin.drydock by default
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const HOST = '127.0.0.1';
const POLL_INTERVAL_MS = 2;
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const TIMEOUT_MS = 30_000;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '10' } } });
const cli = resolve(positionals[0] ?? join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin.drydock));
const runs = Number(values.runs);

/** The hash interface @smithy/signature-v4 expects, over node:crypto. */
class Sha256 {
  constructor(secret) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret));
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** Resolves with the answer's status code; rejects while nothing listens yet. */
function send(port, { method, path, headers, body }) {
  return new Promise((done, fail) => {
    const req = request({ host: HOST, port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function signedIdentity(port) {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signer = new SignatureV4({ service: 'sts', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, sha256: Sha256 });
  const headers = { host: `${HOST}:${port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(body.length) };
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: HOST, port, path: '/', query: {}, headers, body });
  return { method: 'POST', path: '/', headers: signed.headers, body };
}

/** CPU milliseconds (user + system) process `pid` has used, or NaN without /proc. */
function cpuMs(pid) {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return Number.NaN;
  // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
  const text = readFileSync(stat, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Milliseconds from spawn to the first 200 answer to `request`, and the CPU milliseconds used by then. */
async function firstAnswer(request) {
  const port = await freePort();
  const req = await request(port);
  const dataDir = mkdtempSync(join(tmpdir(), 'drydock-measure-'));
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'start', '--port', String(port), '--data-dir', dataDir], { stdio: 'ignore', env: { ...process.env, DRYDOCK_LOG_LEVEL: 'warn' } });
  const exited = new Promise((done) => child.on('exit', done));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${cli} exited with ${child.exitCode} before answering`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`no answer within ${TIMEOUT_MS} ms`);
      const status = await send(port, req).catch(() => undefined);
      if (status === 200) return { wall: performance.now() - started, cpu: cpuMs(child.pid) };
      if (status !== undefined) throw new Error(`answered ${status}`);
      await new Promise((done) => setTimeout(done, POLL_INTERVAL_MS));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const health = async () => ({ method: 'GET', path: '/_drydock/health', headers: {} });
for (const [name, request] of [
  ['health', health],
  ['signed STS GetCallerIdentity', signedIdentity],
]) {
  const answers = [];
  for (let i = 0; i < runs; i++) answers.push(await firstAnswer(request));
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
  };
  const wall = answers.map((a) => a.wall);
  process.stdout.write(
    `${name}: median ${median(wall).toFixed(0)} ms over ${runs} starts (${Math.min(...wall).toFixed(0)}–${Math.max(...wall).toFixed(0)} ms), CPU used by then: median ${median(answers.map((a) => a.cpu)).toFixed(0)} ms\n`,
  );
}
