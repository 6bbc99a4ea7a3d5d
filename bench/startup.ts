/**
 * How fast Drydock starts: milliseconds from spawning the installed `drydock` binary (whatever
 * package.json's `bin` points at, run by node as its `#!/usr/bin/env node` line would) with
 * `start` to its first answered request (a signed STS GetCallerIdentity, polled every 2 ms), each
 * start on a fresh data directory; and the same through npx from the package directory, which adds
 * npm's own start-up. Nothing else of the bench runs meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { DRYDOCK_ENV, drydockBin, freePort, type Launch, launch } from './servers.js';

export interface StartSamples {
  command: string;
  samplesMs: number[];
  medianMs: number;
}

export interface StartupResults {
  binary: StartSamples;
  /** Undefined samples: npx could not run the package's bin here (`error` says why). */
  npx: StartSamples | { command: string; error: string };
}

const BINARY_STARTS = 10;
const NPX_STARTS = 5;
/** A bound on the unmeasured npx run that links the package into npx's cache (once per machine). */
const NPX_PREPARE_TIMEOUT_MS = 120_000;
export const FIRST_ANSWER_TARGET_MS = 300;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** `starts` starts of `make(port, dataDir)`, one at a time, each on a fresh data directory. */
async function sample(starts: number, make: (port: number, dataDir: string) => Launch): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < starts; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-bench-start-'));
    try {
      const server = await launch(make(await freePort(), dataDir));
      samples.push(server.firstAnswerMs);
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return samples;
}

export async function startupBench(log: (line: string) => void): Promise<StartupResults> {
  const bin = drydockBin();
  const startArgs = (port: number, dataDir: string) => ['start', '--port', String(port), '--data-dir', dataDir];
  const binarySamples = await sample(BINARY_STARTS, (port, dataDir) => ({
    name: 'Drydock',
    version: bin.version,
    command: process.execPath,
    args: [bin.path, ...startArgs(port, dataDir)],
    port,
    env: DRYDOCK_ENV,
  }));
  const binary = { command: `node ${relative(PACKAGE_ROOT, bin.path)} start`, samplesMs: binarySamples, medianMs: median(binarySamples) };
  log(`Drydock  first answer, ${binary.command}: median ${binary.medianMs.toFixed(0)} ms of ${BINARY_STARTS} (${binarySamples.map((ms) => ms.toFixed(0)).join(', ')})`);

  // --package=. runs this package's own bin; --offline keeps npm off the registry.
  const npxArgs = ['--yes', '--offline', `--package=${PACKAGE_ROOT}`, '--', bin.command];
  const command = `npx --yes --offline --package=. -- ${bin.command} start`;
  const env = { ...DRYDOCK_ENV, npm_config_update_notifier: 'false' };
  const prepared = spawnSync('npx', [...npxArgs, '--version'], { cwd: PACKAGE_ROOT, env, encoding: 'utf8', timeout: NPX_PREPARE_TIMEOUT_MS });
  if (prepared.error || prepared.status !== 0) {
    const error = prepared.error?.message ?? `exited with ${prepared.status}: ${prepared.stderr.trim().slice(-300)}`;
    log(`Drydock  first answer through npx: cannot run it (${error})`);
    return { binary, npx: { command, error } };
  }
  const npxSamples = await sample(NPX_STARTS, (port, dataDir) => ({
    name: 'Drydock',
    version: bin.version,
    command: 'npx',
    args: [...npxArgs, ...startArgs(port, dataDir)],
    port,
    env,
    cwd: PACKAGE_ROOT,
    processGroup: true,
  }));
  const npx = { command, samplesMs: npxSamples, medianMs: median(npxSamples) };
  log(`Drydock  first answer, ${command}: median ${npx.medianMs.toFixed(0)} ms of ${NPX_STARTS}`);
  return { binary, npx };
}
