/**
 * How fast Drydock starts: milliseconds from spawning the installed `drydock` binary (whatever
 * package.json's `bin` points at, through its `#!/usr/bin/env node` line) with
 * `start` to its first answered request (a signed STS GetCallerIdentity, polled every 2 ms), each
 * start on a fresh data directory; and the same through `npx drydock start` in a project that has
 * Drydock installed, which adds npm's own start-up. Nothing else of the bench runs meanwhile.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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
/** A bound on the unmeasured npx run that checks npx finds the bin. */
const NPX_PROBE_TIMEOUT_MS = 30_000;
export const FIRST_ANSWER_TARGET_MS = 300;

const executable = (path: string) => (statSync(path).mode & 0o111) !== 0;
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
  // Run through its #! line as an installed bin is; with node when the build left it not executable.
  const direct = executable(bin.path);
  const binarySamples = await sample(BINARY_STARTS, (port, dataDir) => ({
    name: 'Drydock',
    version: bin.version,
    command: direct ? bin.path : process.execPath,
    args: direct ? startArgs(port, dataDir) : [bin.path, ...startArgs(port, dataDir)],
    port,
    env: DRYDOCK_ENV,
  }));
  const binary = { command: `${direct ? '' : 'node '}${relative(PACKAGE_ROOT, bin.path)} start`, samplesMs: binarySamples, medianMs: median(binarySamples) };
  log(`Drydock  first answer, ${binary.command}: median ${binary.medianMs.toFixed(0)} ms of ${BINARY_STARTS} (${binarySamples.map((ms) => ms.toFixed(0)).join(', ')})`);

  const npx = await npxStarts(bin, startArgs, log);
  return { binary, npx };
}

/**
 * A project with Drydock installed as npm would install it (node_modules/<name> and the bin's link
 * in node_modules/.bin), for `npx drydock start` to find locally: npx in the package's own
 * directory does not look at the package's own bin and would go to the registry.
 */
function probeProject(bin: ReturnType<typeof drydockBin>): string {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-bench-npx-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'drydock-npx-probe', private: true }));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  const installed = join(dir, 'node_modules', bin.packageName);
  mkdirSync(dirname(installed), { recursive: true });
  symlinkSync(PACKAGE_ROOT, installed);
  const link = join(dir, 'node_modules', '.bin', bin.command);
  // npm makes the bin executable when it installs it; a build that left it not executable gets a shim doing what the link would.
  if (executable(bin.path)) symlinkSync(bin.path, link);
  else writeFileSync(link, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin.path)} "$@"\n`, { mode: 0o755 });
  return dir;
}

async function npxStarts(bin: ReturnType<typeof drydockBin>, startArgs: (port: number, dataDir: string) => string[], log: (line: string) => void): Promise<StartupResults['npx']> {
  const command = `npx ${bin.command} start`;
  const project = probeProject(bin);
  // --offline keeps npm off the registry whatever happens.
  const env = { ...DRYDOCK_ENV, npm_config_update_notifier: 'false', npm_config_offline: 'true' };
  try {
    const probe = spawnSync('npx', [bin.command, '--version'], { cwd: project, env, encoding: 'utf8', timeout: NPX_PROBE_TIMEOUT_MS });
    if (probe.error || probe.status !== 0) {
      const error = probe.error?.message ?? `exited with ${probe.status}: ${probe.stderr.trim().slice(-300)}`;
      log(`Drydock  first answer through npx: cannot run it (${error})`);
      return { command, error };
    }
    const samplesMs = await sample(NPX_STARTS, (port, dataDir) => ({
      name: 'Drydock',
      version: bin.version,
      command: 'npx',
      args: [bin.command, ...startArgs(port, dataDir)],
      port,
      env,
      cwd: project,
      processGroup: true,
    }));
    log(`Drydock  first answer, ${command}: median ${median(samplesMs).toFixed(0)} ms of ${NPX_STARTS}`);
    return { command, samplesMs, medianMs: median(samplesMs) };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
