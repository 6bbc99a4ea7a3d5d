/**
 * What the Git-over-HTTP tests share: a real `git` with a private HOME and no system config, and
 * the login the aws CLI's `codecommit credential-helper` computes (SigV4 over `GIT <path>`), so most
 * tests need not start the (slow) aws CLI for every git command. One test runs the real helper.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsEvent } from '../../src/core/events.js';
import type { TestServer } from '../helpers.js';

export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export class GitRunner {
  readonly home = mkdtempSync(join(tmpdir(), 'drydock-git-home-'));

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    // The user's own git configuration must not leak into the tests.
    writeFileSync(join(this.home, '.gitconfig'), '[user]\n\tname = Tester\n\temail = tester@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n');
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: this.home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LANG: 'C', LC_ALL: 'C', ...this.extraEnv, ...extra };
  }

  /** Runs git and resolves with its exit code and output (failures are results, not exceptions). */
  run(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<GitOutput> {
    return new Promise((resolve) => {
      execFile('git', args, { cwd: opts.cwd ?? this.home, env: this.env(opts.env), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      });
    });
  }

  /** Runs git and fails the test with git's own output when it exits non-zero. */
  async ok(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
    const result = await this.run(args, opts);
    if (result.code !== 0) throw new Error(`git ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
    return result.stdout;
  }

  /** A new working directory under the private HOME. */
  dir(prefix: string): string {
    return mkdtempSync(join(this.home, `${prefix}-`));
  }
}

/** The password `aws codecommit credential-helper get` prints for this URL (its algorithm, reimplemented). */
export function helperPassword(opts: { secretAccessKey: string; region: string; host: string; path: string; at?: Date }): string {
  const stamp = (opts.at ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '');
  const day = stamp.slice(0, 8);
  const canonical = `GIT\n${opts.path}\n\nhost:${opts.host.split(':')[0]}\n\nhost\n`;
  const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${day}/${opts.region}/codecommit/aws4_request\n${createHash('sha256').update(canonical).digest('hex')}`;
  let key: Buffer = createHmac('sha256', `AWS4${opts.secretAccessKey}`).update(day).digest();
  for (const part of [opts.region, 'codecommit', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return `${stamp}Z${createHmac('sha256', key).update(stringToSign).digest('hex')}`;
}

/** The repository URL with a root (`test`/`test`) login in it, as the credential helper would sign it. */
export function rootUrl(server: TestServer, name: string, opts: { region?: string; at?: Date } = {}): string {
  const url = new URL(`${server.url}/v1/repos/${name}`);
  url.username = 'test';
  url.password = helperPassword({ secretAccessKey: 'test', region: opts.region ?? 'us-east-1', host: url.host, path: url.pathname, at: opts.at });
  return url.toString();
}

/** A repository URL with a Basic login in it. */
export function loginUrl(server: TestServer, name: string, username: string, password: string): string {
  const url = new URL(`${server.url}/v1/repos/${name}`);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Collects the CodeCommit reference events published while the test runs. */
export function referenceEvents(server: TestServer): { events: AwsEvent[]; stop: () => void } {
  const events: AwsEvent[] = [];
  const stop = server.runtime.events.subscribe((event) => {
    if (event['detail-type'] === 'CodeCommit Repository State Change') events.push(event);
  });
  return { events, stop };
}

/**
 * Runs git directly on a repository's bare directory under the data directory (what the API wrote,
 * as a client that fetched it would see it), with no user or system config; returns stdout as is.
 */
export function bareGit(server: TestServer, repositoryId: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): string {
  return execFileSync('git', ['--git-dir', join(server.dataDir, 'codecommit', `${repositoryId}.git`), ...args], {
    encoding: 'utf8',
    input: opts.input,
    env: { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...opts.env },
  });
}
