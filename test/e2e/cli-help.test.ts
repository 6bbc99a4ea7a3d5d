/**
 * The built `drydock` command's usage: help for every command and subcommand (exit 0), the
 * environment variables the sources read all listed, and invocation mistakes answered with one
 * line, a pointer to the right --help, and exit code 2.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { drydock } from './cli-helpers.js';

/** Every command path, and the first line its help starts with. */
const COMMANDS: [string[], string][] = [
  [[], 'drydock 0.1.0: a local, offline AWS'],
  [['start'], 'Usage: drydock start [--port N]'],
  [['status'], 'Usage: drydock status [--json]'],
  [['reset'], 'Usage: drydock reset [--yes]'],
  [['aws'], 'Usage: drydock aws <aws CLI arguments>'],
  [['builds'], 'Usage: drydock builds <list | logs>'],
  [['builds', 'list'], 'Usage: drydock builds list [--project P]'],
  [['builds', 'logs'], 'Usage: drydock builds logs <build>'],
  [['pipelines'], 'Usage: drydock pipelines approve'],
  [['pipelines', 'approve'], 'Usage: drydock pipelines approve <pipeline> <stage> <action>'],
];

/** The environment variables Drydock's own code reads (PATH and LANG are only passed on to build commands). */
function environmentVariablesRead(): string[] {
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      // Lambda's bootstraps run inside a function's execution environment and read the function's
      // variables (AWS_LAMBDA_RUNTIME_API …), which Drydock sets for it: they are not Drydock's settings.
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('-bootstrap.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]);
        // Settings read by name through a helper, as positiveInteger('DRYDOCK_CODEBUILD_CONCURRENCY', …) does.
        // (src/cli is left out of this one: its help names them all.)
        if (!path.startsWith(join(PACKAGE_ROOT, 'src', 'cli'))) for (const m of text.matchAll(/'(DRYDOCK_[A-Z0-9_]+)'/g)) names.add(m[1]);
      }
    }
  };
  visit(join(PACKAGE_ROOT, 'src'));
  for (const passedOn of ['PATH', 'LANG']) names.delete(passedOn);
  // Set by Drydock for a function's runtime process (how its invocation arrives), never read from Drydock's environment.
  names.delete('DRYDOCK_LAMBDA_ASSIGNMENT');
  return [...names].sort();
}

describe.concurrent('drydock --help', () => {
  it.each(COMMANDS)('drydock %j --help, -h and drydock help %j print the usage and exit 0', async (path, firstLine) => {
    const forms = [
      [...path, '--help'],
      [...path, '-h'],
      ['help', ...path],
    ];
    for (const [args, { code, stdout, stderr }] of await Promise.all(forms.map(async (args) => [args, await drydock(args)] as const))) {
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(stdout.startsWith(firstLine), `${args.join(' ')}:\n${stdout}`).toBe(true);
    }
  });

  it('--help after other arguments still prints the help, and runs nothing', async () => {
    const logs = await drydock(['builds', 'logs', 'some-project:0f0e', '--follow', '--help']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^Usage: drydock builds logs/);
    const start = await drydock(['start', '--port', '1', '--help']);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^Usage: drydock start/);
    // After `aws`, only its first argument is drydock's: the rest belong to the aws CLI.
    const aws = await drydock(['aws', '--help']);
    expect(aws.stdout).toMatch(/^Usage: drydock aws/);
  });

  it('lists every environment variable the sources read, and start lists --quiet', async () => {
    const read = environmentVariablesRead();
    expect(read).toEqual(expect.arrayContaining(['DRYDOCK_PORT', 'DRYDOCK_HOST', 'DRYDOCK_DATA_DIR', 'DRYDOCK_LOG_LEVEL', 'DRYDOCK_TIME_SCALE', 'DRYDOCK_DURABILITY', 'AWS_ENDPOINT_URL']));
    const { stdout } = await drydock(['--help']);
    const environment = stdout.slice(stdout.indexOf('Environment'));
    expect(read.filter((name) => !new RegExp(`\\b${name}\\b`).test(environment))).toEqual([]);

    const start = (await drydock(['start', '--help'])).stdout;
    expect(start).toMatch(/^ {2}--quiet +no log line per request/m);
    for (const name of ['DRYDOCK_PORT', 'DRYDOCK_DATA_DIR', 'DRYDOCK_LOG_LEVEL', 'DRYDOCK_TIME_SCALE', 'DRYDOCK_DURABILITY']) expect(start).toContain(name);
    const status = (await drydock(['status', '--help'])).stdout;
    for (const name of ['AWS_ENDPOINT_URL', 'DRYDOCK_PORT']) expect(status).toContain(name);
  });

  it('--version prints the version alone', async () => {
    const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) expect(await drydock([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe.concurrent('invocation mistakes', () => {
  it.each([
    [['launch'], 'drydock: unknown command "launch" (see drydock --help)'],
    [['--bogus'], 'drydock: unknown option --bogus (see drydock --help)'],
    [['start', '--bogus'], 'drydock: unknown option --bogus (see drydock start --help)'],
    [['start', '--port'], "drydock: Option '--port <value>' argument missing (see drydock start --help)"],
    [['start', '--port', 'abc'], 'drydock: --port must be an integer from 0 to 65535, got "abc" (see drydock start --help)'],
    [['start', 'now'], 'drydock: unexpected argument now (see drydock start --help)'],
    [['status', '-x'], 'drydock: unknown option -x (see drydock status --help)'],
    [['reset', '--force'], 'drydock: unknown option --force (see drydock reset --help)'],
    [['builds'], 'drydock: builds needs a subcommand: list or logs (see drydock builds --help)'],
    [['builds', 'show'], 'drydock: unknown builds command "show" (see drydock builds --help)'],
    [['builds', 'list', '--projects', 'p'], 'drydock: unknown option --projects (see drydock builds list --help)'],
    [['builds', 'logs'], 'drydock: which build? give its id or UUID (see drydock builds logs --help)'],
    [['builds', 'logs', 'a', 'b'], 'drydock: one build at a time, got 2 (see drydock builds logs --help)'],
    [['pipelines'], 'drydock: pipelines needs a subcommand: approve (see drydock pipelines --help)'],
    [['pipelines', 'approve', 'p'], 'drydock: give the pipeline, the stage and the approval action, got 1 argument (see drydock pipelines approve --help)'],
    [['help', 'deploy'], 'drydock: no help for "deploy": there is no such command (see drydock --help)'],
  ])('drydock %j: one line, exit 2', async (args, line) => {
    expect(await drydock(args)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });
});
