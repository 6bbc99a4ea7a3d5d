/**
 * The README's CodeBuild walk-through, run as a user pastes it: the block between the
 * `walkthrough:codebuild` markers goes to bash unchanged but for the port, with the aws CLI, git
 * and the built `drydock` command on PATH. If the README drifts from what Drydock does, this fails.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { useServer } from '../helpers.js';
import { tempDirs } from '../temp-dirs.js';

const run = promisify(execFile);
const server = useServer();
const tempDir = tempDirs('drydock-walkthrough-');

function walkthrough(name: string): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const block = new RegExp(`<!-- walkthrough:${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /walkthrough:${name} -->`).exec(readme);
  if (!block) throw new Error(`README.md has no walkthrough:${name} block`);
  return block[1];
}

describe('README walk-throughs', () => {
  it('the CodeBuild walk-through builds, reports and leaves its artifact in S3', async () => {
    const dir = tempDir();
    // `drydock` as an installed user runs it: the package's bin.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'drydock'), `#!/bin/sh\nexec "${process.execPath}" "${join(PACKAGE_ROOT, 'dist', 'drydock.mjs')}" "$@"\n`);
    chmodSync(join(bin, 'drydock'), 0o755);
    const script = walkthrough('codebuild').replaceAll('localhost:4566', new URL(server.url).host);
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' };
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, timeout: 120_000 });
    expect(stdout).toMatch(/Build SUCCEEDED/);
    expect(stdout).toMatch(/^built by demo:[0-9a-f-]{36}$/m);
    expect(stdout).toMatch(/arn:aws:codebuild:us-east-1:000000000000:report\/demo-unit:[0-9a-f-]{36}/);
  }, 150_000);

  it('the CloudFormation walk-through deploys, rolls a refused update back and deletes', async () => {
    const dir = tempDir();
    const script = walkthrough('cloudformation').replaceAll('localhost:4566', new URL(server.url).host);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, timeout: 120_000 });
    expect(stdout).toMatch(/^http:\/\/[^/]+\/000000000000\/app-Jobs-[A-Z0-9]{12}$/m);
    expect(stdout).toMatch(/^UPDATE_ROLLBACK_COMPLETE$/m);
    expect(stdout).toMatch(/^Jobs\t.*MessageRetentionPeriod/m);
  }, 150_000);
});
