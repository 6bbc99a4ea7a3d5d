/**
 * Git smart HTTP on the wire, with hand-made requests: the headers git-http-backend sends, gzip
 * request bodies, and everything a broken or hostile client can send (bad methods, media types,
 * malformed pkt-lines, bogus packs, uploads cut off halfway), none of which may crash the server
 * or leave a repository corrupt or locked.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CodeCommitClient, CreateRepositoryCommand, GetBranchCommand, PutFileCommand } from '@aws-sdk/client-codecommit';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, useServer } from '../helpers.js';
import { GitRunner, helperPassword } from './codecommit-git-helpers.js';

const ZERO = '0'.repeat(40);
const pkt = (text: string | Buffer): Buffer => {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
};
const FLUSH = Buffer.from('0000');

describe('CodeCommit Git smart HTTP on the wire', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  let git: GitRunner;
  let bare: string;
  let mainCommit: string;
  /** A local repository with a commit the server does not have yet, and its pack. */
  let local: { commit: string; pack: Buffer };

  const authorization = (name: string): string => {
    const host = `localhost:${server.port}`;
    return `Basic ${Buffer.from(`test:${helperPassword({ secretAccessKey: 'test', region: 'us-east-1', host, path: `/v1/repos/${name}` })}`).toString('base64')}`;
  };

  async function post(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
    const service = path.endsWith('git-receive-pack') ? 'git-receive-pack' : 'git-upload-pack';
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: authorization('wire'), 'content-type': `application/x-${service}-request`, ...headers },
      body: new Uint8Array(body),
    });
  }

  async function consistent(): Promise<void> {
    await git.ok(['--git-dir', bare, 'fsck', '--full', '--no-progress']);
    expect(readdirSync(join(bare, 'refs', 'heads')).filter((f) => f.endsWith('.lock'))).toEqual([]);
  }

  beforeAll(async () => {
    cc = new CodeCommitClient(server.clientConfig);
    git = new GitRunner();
    const created = await cc.send(new CreateRepositoryCommand({ repositoryName: 'wire' }));
    bare = join(server.dataDir, 'codecommit', `${created.repositoryMetadata!.repositoryId}.git`);
    mainCommit = (await cc.send(new PutFileCommand({ repositoryName: 'wire', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('a\n'), commitMessage: 'a' }))).commitId!;

    const work = git.dir('local');
    await git.ok(['init', '--quiet', work]);
    writeFileSync(join(work, 'big.bin'), randomBytes(3 * 1024 * 1024));
    await git.ok(['add', '-A'], { cwd: work });
    await git.ok(['commit', '--quiet', '-m', 'local'], { cwd: work });
    const commit = (await git.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();
    const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], { cwd: work, input: `${commit}\n`, env: git.env(), maxBuffer: 64 * 1024 * 1024 });
    local = { commit, pack };
  });

  it('advertises refs with the content types and no-cache headers of git-http-backend, in protocol v0 and v2', async () => {
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      const response = await fetch(`${server.url}/v1/repos/wire/info/refs?service=${service}`, { headers: { authorization: authorization('wire') } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`application/x-${service}-advertisement`);
      expect(response.headers.get('cache-control')).toBe('no-cache, max-age=0, must-revalidate');
      expect(response.headers.get('pragma')).toBe('no-cache');
      expect(response.headers.get('expires')).toBe('Fri, 01 Jan 1980 00:00:00 GMT');
      const text = await response.text();
      expect(text.startsWith(`${pkt(`# service=${service}\n`).toString()}0000`)).toBe(true);
      expect(text).toContain(`${mainCommit} refs/heads/main`);
    }
    const v2 = await fetch(`${server.url}/v1/repos/wire/info/refs?service=git-upload-pack`, { headers: { authorization: authorization('wire'), 'git-protocol': 'version=2' } });
    expect((await v2.text()).startsWith('000eversion 2\n')).toBe(true);
  });

  it('refuses what is not the smart protocol: dumb clients, wrong methods, media types and encodings, other paths', async () => {
    const auth = { authorization: authorization('wire') };
    const dumb = await fetch(`${server.url}/v1/repos/wire/info/refs`, { headers: auth });
    expect(dumb.status).toBe(403);
    expect(await dumb.text()).toContain('smart HTTP protocol only');
    expect((await fetch(`${server.url}/v1/repos/wire/info/refs?service=git-upload-pack`, { method: 'POST', headers: auth })).status).toBe(405);
    const get = await fetch(`${server.url}/v1/repos/wire/git-upload-pack`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await post('/v1/repos/wire/git-upload-pack', FLUSH, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/repos/wire/git-upload-pack', FLUSH, { 'content-encoding': 'br' })).status).toBe(415);
    expect((await fetch(`${server.url}/v1/repos/wire`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/repos/wire/objects/info/packs`, { headers: auth })).status).toBe(404);
  });

  it('reads gzip request bodies for fetches and pushes', async () => {
    const negotiation = Buffer.concat([pkt(`want ${mainCommit} side-band-64k ofs-delta\n`), FLUSH, pkt('done\n')]);
    const fetched = await post('/v1/repos/wire/git-upload-pack', gzipSync(negotiation), { 'content-encoding': 'gzip' });
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(Buffer.from(await fetched.arrayBuffer()).includes('PACK')).toBe(true);

    const push = Buffer.concat([pkt(`${ZERO} ${local.commit} refs/heads/gzipped\0report-status\n`), FLUSH, local.pack]);
    const pushed = await post('/v1/repos/wire/git-receive-pack', gzipSync(push), { 'content-encoding': 'gzip' });
    expect(pushed.status).toBe(200);
    const report = await pushed.text();
    expect(report).toContain('unpack ok');
    expect(report).toContain('ok refs/heads/gzipped');
    expect((await cc.send(new GetBranchCommand({ repositoryName: 'wire', branchName: 'gzipped' }))).branch?.commitId).toBe(local.commit);
    await consistent();
  });

  it('answers malformed requests with 400 and a message, never a crash or a corrupt repository', async () => {
    const cases: [string, Buffer, Record<string, string>?][] = [
      ['/v1/repos/wire/git-upload-pack', Buffer.from('zzzzwant nothing')],
      ['/v1/repos/wire/git-receive-pack', Buffer.from('zzzz')],
      ['/v1/repos/wire/git-receive-pack', Buffer.from('0003')],
      ['/v1/repos/wire/git-receive-pack', pkt('not a command\n')],
      ['/v1/repos/wire/git-receive-pack', Buffer.concat([pkt(`${ZERO} ${local.commit} refs/heads/x\0report-status\n`)])],
      ['/v1/repos/wire/git-receive-pack', Buffer.concat([pkt(`push-cert\0report-status\n`), FLUSH])],
      ['/v1/repos/wire/git-receive-pack', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }],
    ];
    for (const [path, body, headers] of cases) {
      const response = await post(path, body, headers);
      const text = await response.text();
      expect(response.status, `${path} ${body.subarray(0, 20).toString()} → ${text}`).toBe(400);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(text.length).toBeGreaterThan(0);
    }
    // A want of an unknown object is a protocol answer git shows as "remote error: upload-pack: not our ref".
    const unknown = await post('/v1/repos/wire/git-upload-pack', Buffer.concat([pkt(`want ${'f'.repeat(40)}\n`), FLUSH, pkt('done\n')]));
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain(`ERR upload-pack: not our ref ${'f'.repeat(40)}`);
    // A well-formed push with a bogus pack: receive-pack reports the unpack failure and moves nothing.
    const bogus = await post('/v1/repos/wire/git-receive-pack', Buffer.concat([pkt(`${ZERO} ${local.commit} refs/heads/bogus\0report-status\n`), FLUSH, Buffer.from('PACK garbage garbage garbage')]));
    const report = await bogus.text();
    expect(report).toMatch(/unpack (?!ok)/);
    expect(report).toContain('ng refs/heads/bogus');
    expect((await failure(cc.send(new GetBranchCommand({ repositoryName: 'wire', branchName: 'bogus' })))).name).toBe('BranchDoesNotExistException');
    // CodeCommit's quota of 4,000 references per push, refused whole.
    const many = Array.from({ length: 4001 }, (_, i) => pkt(`${mainCommit} ${ZERO} refs/heads/b${i}${i === 0 ? '\0report-status side-band-64k' : ''}\n`));
    const tooMany = await post('/v1/repos/wire/git-receive-pack', Buffer.concat([...many, FLUSH]));
    expect(tooMany.status).toBe(200);
    const refused = await tooMany.text();
    expect(refused).toContain('error: A single push can create, update or delete at most 4000 references; this one has 4001.');
    expect(refused).toContain('ng refs/heads/b4000 too many references in one push');
    // A push probe (what git sends first for a large push) is an empty command list.
    expect((await post('/v1/repos/wire/git-receive-pack', FLUSH)).status).toBe(200);
    await consistent();
  });

  it('stops git when a fetching client goes away mid-pack', async () => {
    // After the gzip test the server has the 3 MB commit; ask for all of it and hang up after the first bytes.
    const negotiation = Buffer.concat([pkt(`want ${local.commit} side-band-64k\n`), FLUSH, pkt('done\n')]);
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${server.url}/v1/repos/wire/git-upload-pack`,
        {
          method: 'POST',
          headers: { authorization: authorization('wire'), 'content-type': 'application/x-git-upload-pack-request' },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => {});
      req.end(negotiation, () => setTimeout(() => reject(new Error('no answer')), 10_000).unref());
    });
    const running = () =>
      execFileSync('ps', ['-eo', 'args'])
        .toString()
        .split('\n')
        .filter((line) => line.includes(bare) && !line.includes('ps -eo'));
    for (let i = 0; i < 50 && running().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(running()).toEqual([]);
  });

  it('stops a push whose upload is cut off halfway: no lock, no quarantined objects left, no ref moved', async () => {
    const head = Buffer.concat([pkt(`${ZERO} ${local.commit} refs/heads/aborted\0report-status side-band-64k\n`), FLUSH]);
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}/v1/repos/wire/git-receive-pack`, {
        method: 'POST',
        headers: { authorization: authorization('wire'), 'content-type': 'application/x-git-receive-pack-request', 'transfer-encoding': 'chunked' },
      });
      req.on('error', () => resolve());
      req.write(head);
      req.write(local.pack.subarray(0, local.pack.length / 2), () => {
        // Let the server hand the first half to git before the client vanishes.
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 300);
      });
    });
    const incoming = () => readdirSync(join(bare, 'objects')).filter((name) => name.startsWith('incoming-') || name.startsWith('tmp_objdir'));
    for (let i = 0; i < 50 && incoming().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(incoming()).toEqual([]);
    expect(existsSync(join(bare, 'refs', 'heads', 'aborted'))).toBe(false);
    await consistent();
    // The server and the repository still serve.
    const listed = await git.ok([
      'ls-remote',
      `http://test:${helperPassword({ secretAccessKey: 'test', region: 'us-east-1', host: `localhost:${server.port}`, path: '/v1/repos/wire' })}@localhost:${server.port}/v1/repos/wire`,
    ]);
    expect(listed).toContain('refs/heads/main');
    expect(listed).not.toContain('refs/heads/aborted');
  });
});
