import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../../test/helpers.js';
import { BuildPhaseError } from '../common.js';
import { hostRuntime, satisfies, selectRuntimes } from './runtime-versions.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory of stand-in tools that print what the real ones print, to be the whole PATH of a probe. */
function hostWith(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-runtimes-'));
  dirs.push(dir);
  for (const [name, script] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const HOST = hostWith({
  node: 'echo v22.3.1',
  python3: 'echo Python 3.12.4',
  ruby: "echo 'ruby 3.2.3 (2024-01-18 revision 52bb2ac0a6) [x86_64-linux-gnu]'",
  php: "echo 'PHP 8.3.6 (cli) (built: Apr 15 2024 19:21:47) (NTS)'",
  go: 'echo go version go1.22.2 linux/amd64',
  dotnet: 'echo 8.0.100',
  // java -version writes to standard error.
  java: 'echo \'openjdk version "17.0.15" 2025-04-15\' >&2',
});

describe('the host runtimes', () => {
  it("reads each tool's version as the image names it, its major and the exact version", async () => {
    expect(await hostRuntime('nodejs', HOST)).toEqual({ name: '22', major: '22', exact: '22.3.1' });
    expect(await hostRuntime('python', HOST)).toEqual({ name: '3.12', major: '3', exact: '3.12.4' });
    expect(await hostRuntime('ruby', HOST)).toEqual({ name: '3.2', major: '3', exact: '3.2.3' });
    expect(await hostRuntime('php', HOST)).toEqual({ name: '8.3', major: '8', exact: '8.3.6' });
    expect(await hostRuntime('golang', HOST)).toEqual({ name: '1.22', major: '1', exact: '1.22.2' });
    expect(await hostRuntime('dotnet', HOST)).toEqual({ name: '8.0', major: '8', exact: '8.0.100' });
    expect(await hostRuntime('java', HOST)).toEqual({ name: 'corretto17', major: 'corretto17', exact: '17.0.15' });
  });

  it('calls Java 8 (1.8.0_x) corretto8, and has no runtime whose tool is missing or says no version', async () => {
    const old = hostWith({ java: 'echo \'openjdk version "1.8.0_452"\' >&2', node: 'echo not a version' });
    expect(await hostRuntime('java', old)).toEqual({ name: 'corretto8', major: 'corretto8', exact: '1.8.0_452' });
    expect(await hostRuntime('nodejs', old)).toBeUndefined();
    expect(await hostRuntime('ruby', old)).toBeUndefined();
  });

  it('finds the node this process runs when its directory is the PATH', async () => {
    expect(await hostRuntime('nodejs', dirname(process.execPath))).toMatchObject({ exact: process.versions.node });
  });
});

describe("AWS's version rules", () => {
  const node20 = { name: '20', major: '20', exact: '20.20.2' };
  const python = { name: '3.12', major: '3', exact: '3.12.4' };

  it('accepts the version name, the major with .x, and latest', () => {
    for (const asked of ['20', '20.x', 'latest']) expect(satisfies(asked, node20)).toBe(true);
    for (const asked of ['3.12', '3.x', 'latest']) expect(satisfies(asked, python)).toBe(true);
  });

  it('refuses other versions, exact versions included', () => {
    for (const asked of ['18', '18.x', '20.20.2', '20.20', 'LATEST', '']) expect(satisfies(asked, node20)).toBe(false);
    for (const asked of ['3', '3.11', '3.12.4', '2.x']) expect(satisfies(asked, python)).toBe(false);
  });
});

describe('selecting the runtimes of a build', () => {
  const select = (asked: Record<string, string>, mode: 'aws' | 'host', env: Record<string, string> = {}) => {
    const lines: string[] = [];
    const done = selectRuntimes(asked, { PATH: HOST, ...env }, mode, (line) => lines.push(line));
    return { lines, done };
  };

  it('names the exact version of a runtime the host satisfies, expanding $VAR', async () => {
    const { lines, done } = select({ nodejs: '22', python: '$PY' }, 'aws', { PY: '3.x' });
    await done;
    expect(lines).toEqual([
      "Selecting 'nodejs' runtime version '22' based on manual selections...",
      "Using this host's nodejs 22.3.1 for nodejs '22'",
      "Selecting 'python' runtime version '3.x' based on manual selections...",
      "Using this host's python 3.12.4 for python '3.x'",
    ]);
  });

  it("fails as AWS fails a version the image lacks, listing the host's version", async () => {
    const { lines, done } = select({ nodejs: '18' }, 'aws');
    const err = await rejection(done, BuildPhaseError);
    expect({ statusCode: err.statusCode, message: err.message }).toEqual({
      statusCode: 'YAML_FILE_ERROR',
      message: "Unknown runtime version named '18' of nodejs. This build image has the following versions: 22",
    });
    expect(lines).toEqual([
      "Selecting 'nodejs' runtime version '18' based on manual selections...",
      "Asked for nodejs 18; this host runs nodejs 22.3.1. Drydock runs builds on the host's runtimes: set DRYDOCK_RUNTIME_VERSIONS=host to run such builds on them anyway",
    ]);
  });

  it('fails a runtime the host lacks as AWS fails one its image lacks, listing the runtimes the host has', async () => {
    const { done } = select({ ruby: '3.2' }, 'aws', { PATH: hostWith({ node: 'echo v20.1.0', python3: 'echo Python 3.11.7' }) });
    const err = await rejection(done, BuildPhaseError);
    expect(err.message).toBe("Unknown runtime named 'ruby'. This build image has the following runtimes: nodejs, python");
  });

  it('runs on the host versions with DRYDOCK_RUNTIME_VERSIONS=host, saying what was asked and what runs', async () => {
    const { lines, done } = select({ nodejs: '18', ruby: '3.3' }, 'host', { PATH: hostWith({ node: 'echo v20.20.2' }) });
    await done;
    expect(lines).toEqual([
      "Selecting 'nodejs' runtime version '18' based on manual selections...",
      "Asked for nodejs 18; this host runs nodejs 20.20.2: running on the host's version (DRYDOCK_RUNTIME_VERSIONS=host)",
      "Selecting 'ruby' runtime version '3.3' based on manual selections...",
      'Asked for ruby 3.3; this host has no ruby: running without it (DRYDOCK_RUNTIME_VERSIONS=host)',
    ]);
  });
});
