#!/usr/bin/env node
/**
 * How long a start takes to answer: spawns `node <cli> start` on a fresh data directory, polls every
 * 2 ms until the first answer, stops it, and prints the median and range of several starts, for
 * GET /_drydock/health and for a signed STS GetCallerIdentity (the benchmark's "first answer").
 *
 *   node scripts/measure-start.mjs [cli] [--runs 10]    cli: package.json's bin.drydock by default
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** Milliseconds from spawn to the first 200 answer to `request`. */
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
      if (status === 200) return performance.now() - started;
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
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await firstAnswer(request));
  times.sort((a, b) => a - b);
  const median = runs % 2 ? times[(runs - 1) / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  process.stdout.write(`${name}: median ${median.toFixed(0)} ms over ${runs} starts (${times[0].toFixed(0)}–${times.at(-1).toFixed(0)} ms)\n`);
}
