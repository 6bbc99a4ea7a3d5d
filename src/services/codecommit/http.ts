/**
 * Git smart HTTP at /v1/repos/<name>, as CodeCommit serves it: `git upload-pack` and `git
 * receive-pack` run with `--stateless-rpc` on the repository's bare repository, with request and
 * response bodies streamed through (a push of any size never sits in memory).
 *
 * Before git runs, the caller is authenticated (git-auth.ts) and authorized with IAM:
 * `codecommit:GitPull` for fetches, `codecommit:GitPush` for pushes, and for every reference a push
 * changes `codecommit:GitPush` again with `codecommit:References` set to that reference, so branch
 * protection policies apply. A push with a denied reference is refused whole, before receive-pack
 * sees it, with a report git prints as `! [remote rejected] main -> main (...)`.
 *
 * What a push really changed comes from a post-receive hook (git's own list of the references it
 * moved), and becomes CodeCommit's reference events before the client hears the push is done.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { CodeCommitContext } from './common.js';
import { authorizeGit, gitRepository, publishReferenceChanges, REPOSITORY_NAME } from './common.js';
import { gitEnv, ZERO_ID } from './git.js';
import { authenticateGit, type GitCaller } from './git-auth.js';
import type { RepositoryRow } from './store.js';
import type { ReferenceChange } from './trigger-delivery.js';

type GitService = 'git-upload-pack' | 'git-receive-pack';

const ROUTE = /^\/v1\/repos\/([^/]+)\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/** What git-http-backend sends so no proxy or client caches a live answer. */
const NO_CACHE = { expires: 'Fri, 01 Jan 1980 00:00:00 GMT', pragma: 'no-cache', 'cache-control': 'no-cache, max-age=0, must-revalidate' };

/** The command list heads a push; anything this long before its flush is not a real push. */
const MAX_COMMAND_BYTES = 4 * 1024 * 1024;
const OBJECT_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
const RECEIVE_PACK_GRACE_MS = 30_000;
/** CodeCommit's quota: references created, updated or deleted by one push. */
const MAX_PUSH_REFERENCES = 4000;

/** A failure answered as plain text, which git prints to the user as `remote: <line>`. */
class GitHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function gitHttpHandler(c: CodeCommitContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      await serve(c, req, res);
    } catch (err) {
      if (!(err instanceof GitHttpError)) throw err;
      // Git only reads the answer once it has sent its whole request; drain it so the client sees the message.
      req.resume();
      if (res.headersSent) return void res.destroy();
      const text = `${err.message}\n`;
      res.writeHead(err.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...NO_CACHE, ...err.headers });
      res.end(text);
    }
  };
}

async function serve(c: CodeCommitContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = ROUTE.exec(url.pathname);
  let name = '';
  try {
    name = route ? decodeURIComponent(route[1]) : '';
  } catch {
    // A malformed escape names no repository.
  }
  if (!route || !REPOSITORY_NAME.test(name)) throw new GitHttpError(404, `Not found: Git repositories are served at /v1/repos/<repository-name>`);
  const advertise = route[2] === 'info/refs';
  const service = (advertise ? url.searchParams.get('service') : route[2]) as GitService | null;
  if (advertise && req.method !== 'GET') throw new GitHttpError(405, 'Method Not Allowed', { allow: 'GET' });
  if (!advertise && req.method !== 'POST') throw new GitHttpError(405, 'Method Not Allowed', { allow: 'POST' });
  if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
    throw new GitHttpError(403, service === null ? 'CodeCommit serves the Git smart HTTP protocol only; this client asked for the dumb protocol.' : `Unsupported service: ${service}`);
  }
  if (!advertise && (req.headers['content-type'] ?? '') !== `application/x-${service}-request`) {
    throw new GitHttpError(415, `Unsupported Media Type: expected application/x-${service}-request`);
  }

  // Git hands its credential helper the URL's path decoded, so that is what a helper signed.
  const auth = authenticateGit(c, req.headers.authorization, req.headers.host ?? '', `/v1/repos/${name}`);
  if ('status' in auth) {
    throw new GitHttpError(auth.status, auth.message, auth.status === 401 ? { 'www-authenticate': 'Basic realm="AWS CodeCommit"' } : {});
  }
  const { caller } = auth;
  const resource = arn('codecommit', caller.region, caller.principal.account, name);
  const action = service === 'git-upload-pack' ? 'GitPull' : 'GitPush';
  // Authorized before the lookup, as AWS does, so a denied caller cannot probe which repositories exist.
  denyAsHttp(() => authorizeGit(c, caller.principal, caller.region, action, resource));
  const row = c.store.getRepository(caller.principal.account, caller.region, name);
  if (!row) throw new GitHttpError(404, `Repository '${name}' does not exist in account ${caller.principal.account}, region ${caller.region}.`);

  const protocol = gitProtocol(req);
  if (advertise) return advertiseRefs(c, row, service, protocol, res);
  const body = requestBody(req);
  if (service === 'git-upload-pack') return runGit(c, row, res, { service, protocol, body });
  return receivePack(c, row, caller, resource, res, body, protocol);
}

/** Runs an authorization check, turning AWS's AccessDeniedException into a 403 git shows. */
function denyAsHttp(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof AwsError) throw new GitHttpError(403, err.message);
    throw err;
  }
}

/** The Git-Protocol header (`version=2`), passed on as GIT_PROTOCOL as git-http-backend does; junk is dropped. */
function gitProtocol(req: IncomingMessage): string | undefined {
  const value = req.headers['git-protocol'];
  return typeof value === 'string' && value.length <= 256 && /^[\w.=:-]+$/.test(value) ? value : undefined;
}

/** The request body, gunzipped when git compressed it (it does for large fetch negotiations). */
function requestBody(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === '' || encoding === 'identity') return req;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new GitHttpError(415, `Unsupported Content-Encoding: ${encoding}`);
  const gunzip = createGunzip();
  req.on('error', (err) => gunzip.destroy(err));
  return req.pipe(gunzip);
}

function pktLine(data: Buffer | string): Buffer {
  const payload = Buffer.from(data);
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}
const FLUSH = Buffer.from('0000');

async function advertiseRefs(c: CodeCommitContext, row: RepositoryRow, service: GitService, protocol: string | undefined, res: ServerResponse): Promise<void> {
  // Protocol v2 replaces the service announcement with its capability advertisement; receive-pack has no v2.
  const v2 = service === 'git-upload-pack' && /(^|:)version=2(:|$)/.test(protocol ?? '');
  const head = v2 ? Buffer.alloc(0) : Buffer.concat([pktLine(`# service=${service}\n`), FLUSH]);
  return runGit(c, row, res, { service, protocol, advertise: true, head });
}

interface GitRun {
  service: GitService;
  protocol: string | undefined;
  advertise?: boolean;
  /** Bytes sent before git's own output (the service announcement). */
  head?: Buffer;
  /** The request body still to stream into git, after `bodyHead`, the part already read. */
  body?: Readable;
  bodyHead?: Buffer;
  bodyEnded?: boolean;
  env?: Record<string, string>;
  /** Hooks git may run; none unless given. */
  hooksPath?: string;
  /** Runs after git exits and before the response ends (a push's events). */
  afterExit?: () => Promise<void>;
}

/**
 * Spawns the git service and streams: request body into its stdin (with backpressure), its stdout
 * into the response. A client that goes away stops a fetch, and ends the input of a push it had
 * not finished sending (see `stop`), so nothing half-written stays.
 */
function runGit(c: CodeCommitContext, row: RepositoryRow, res: ServerResponse, run: GitRun): Promise<void> {
  const git = gitRepository(c, row);
  // An empty repository advertises no unborn HEAD, so a clone names its first branch as the client's git does.
  const config = ['-c', `core.hooksPath=${run.hooksPath ?? '/nonexistent'}`, '-c', 'lsrefs.unborn=ignore'];
  const args = [...config, run.service.slice(4), '--stateless-rpc', ...(run.advertise ? ['--advertise-refs'] : []), git.dir];
  const child = spawn('git', args, { env: gitEnv({ ...(run.protocol ? { GIT_PROTOCOL: run.protocol } : {}), ...run.env }), stdio: ['pipe', 'pipe', 'pipe'] });
  const contentType = run.advertise ? `application/x-${run.service}-advertisement` : `application/x-${run.service}-result`;
  let stderr = '';
  let requestComplete = !run.body || run.bodyEnded === true;

  const startResponse = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': contentType, ...NO_CACHE });
    if (run.head?.length) res.write(run.head);
  };

  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 16 * 1024) stderr += chunk.toString('utf8');
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (res.destroyed) return;
    startResponse();
    if (!res.write(chunk)) {
      child.stdout.pause();
      res.once('drain', () => child.stdout.resume());
    }
  });
  // A child that exits before reading all its input must not crash the server with EPIPE; the
  // rest of the body is then read and dropped so the client gets the answer.
  child.stdin.on('error', () => run.body?.resume());

  if (run.bodyHead?.length) child.stdin.write(run.bodyHead);
  if (run.body && !run.bodyEnded) {
    const body = run.body;
    body.once('end', () => {
      requestComplete = true;
    });
    body.once('error', () => child.stdin.destroy());
    body.pipe(child.stdin);
  } else {
    child.stdin.end();
  }

  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (run.service === 'git-upload-pack') {
      // A fetch writes nothing: stop it now.
      child.kill('SIGTERM');
    } else if (!requestComplete) {
      // A push cut off halfway is ended, not killed: on end of input its unpacker fails and
      // receive-pack removes the quarantined objects itself (a signal would race the unpacker,
      // which recreates the quarantine). Only a receive-pack that hangs on is terminated.
      child.stdin.destroy();
      setTimeout(() => child.kill('SIGTERM'), RECEIVE_PACK_GRACE_MS).unref();
    }
    // A push whose upload is complete finishes, as it would on AWS when the client goes away after sending.
  };
  res.once('close', () => {
    if (res.writableFinished) return;
    // Output nobody reads any more is dropped, so a push that goes on is never blocked writing it.
    child.stdout.resume();
    stop();
  });

  let spawnFailed = false;
  return new Promise((resolve) => {
    child.once('error', (err) => {
      spawnFailed = true;
      c.rt.log.error({ err }, 'could not start git');
    });
    child.once('close', (code) => {
      void (async () => {
        // Whatever the exit code, what git already moved must be reported.
        if (run.afterExit) {
          try {
            await run.afterExit();
          } catch (err) {
            c.rt.log.error({ err, repository: row.name }, 'post-push processing failed');
          }
        }
        if (res.destroyed) return resolve();
        if (!res.headersSent) {
          if (code === 0) {
            startResponse();
          } else {
            // Git that could not start is the server's fault; git that refused its input, the request's.
            const text = spawnFailed ? 'Drydock could not run git.\n' : `git ${run.service.slice(4)} failed: ${lastLine(stderr) || `exit code ${code}`}\n`;
            res.writeHead(spawnFailed ? 500 : 400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...NO_CACHE });
            res.end(text);
            return resolve();
          }
        } else if (code !== 0) {
          c.rt.log.warn({ repository: row.name, service: run.service, code, stderr: lastLine(stderr) }, 'git exited with an error mid-response');
        }
        res.end();
        resolve();
      })();
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

interface PushCommand {
  oldId: string;
  newId: string;
  ref: string;
}

interface CommandList {
  commands: PushCommand[];
  capabilities: Set<string>;
}

/**
 * Parses the head of a receive-pack request: optional `shallow <id>` lines, then `old new ref`
 * commands (capabilities after a NUL on the first), then a flush. Undefined while incomplete.
 */
function parseCommandList(buf: Buffer): CommandList | undefined {
  const commands: PushCommand[] = [];
  let capabilities = new Set<string>();
  let offset = 0;
  while (offset + 4 <= buf.length) {
    const lengthText = buf.toString('latin1', offset, offset + 4);
    if (!/^[0-9a-f]{4}$/i.test(lengthText)) throw new GitHttpError(400, `Malformed push: bad pkt-line length '${lengthText}'`);
    const length = parseInt(lengthText, 16);
    if (length === 0) return { commands, capabilities };
    if (length < 4 || length > 65520) throw new GitHttpError(400, `Malformed push: invalid pkt-line length ${length}`);
    if (offset + length > buf.length) return undefined;
    let line = buf.toString('utf8', offset + 4, offset + length);
    offset += length;
    if (line.endsWith('\n')) line = line.slice(0, -1);
    if (line.startsWith('shallow ')) {
      if (!OBJECT_ID.test(line.slice(8))) throw new GitHttpError(400, 'Malformed push: bad shallow line');
      continue;
    }
    if (line.startsWith('push-cert')) throw new GitHttpError(400, 'Signed pushes are not supported.');
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      if (commands.length === 0)
        capabilities = new Set(
          line
            .slice(nul + 1)
            .split(' ')
            .filter(Boolean),
        );
      line = line.slice(0, nul);
    }
    const [oldId, newId, ref, extra] = line.split(' ');
    if (!OBJECT_ID.test(oldId ?? '') || !OBJECT_ID.test(newId ?? '') || !ref || extra !== undefined) {
      throw new GitHttpError(400, 'Malformed push: expected "<old-id> <new-id> <ref>" commands');
    }
    commands.push({ oldId, newId, ref });
  }
  return undefined;
}

/** Reads the body up to the end of the command list without losing what follows (the pack). */
function readCommandList(body: Readable): Promise<{ list: CommandList; head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const finish = (outcome: () => void, drain = false) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      // Kept for receive-pack when the push goes on; read and dropped when it is refused here.
      if (drain) body.resume();
      else body.pause();
      outcome();
    };
    const attempt = (ended: boolean) => {
      let list: CommandList | undefined;
      try {
        list = parseCommandList(head);
      } catch (err) {
        return finish(() => reject(err), true);
      }
      if (list) return finish(() => resolve({ list: list!, head, ended }));
      // An empty body is a push of nothing; receive-pack answers it with nothing.
      if (ended && head.length === 0) return finish(() => resolve({ list: { commands: [], capabilities: new Set() }, head, ended }));
      if (ended) return finish(() => reject(new GitHttpError(400, 'Malformed push: the request ended inside the command list')));
      if (head.length > MAX_COMMAND_BYTES) finish(() => reject(new GitHttpError(400, 'Malformed push: command list too long')), true);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      attempt(false);
    };
    const onEnd = () => attempt(true);
    const onError = (err: Error) => finish(() => reject(new GitHttpError(400, `Could not read the push: ${err.message}`)), true);
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}

async function receivePack(c: CodeCommitContext, row: RepositoryRow, caller: GitCaller, resource: string, res: ServerResponse, body: Readable, protocol: string | undefined): Promise<void> {
  const { list, head, ended } = await readCommandList(body);
  if (list.commands.length > MAX_PUSH_REFERENCES) {
    const reason = `too many references in one push (CodeCommit allows ${MAX_PUSH_REFERENCES})`;
    const message = `A single push can create, update or delete at most ${MAX_PUSH_REFERENCES} references; this one has ${list.commands.length}. Push in smaller batches.`;
    return refusePush(res, body, ended, list, new Map(list.commands.map((command) => [command.ref, reason])), [message]);
  }
  const reasons = new Map<string, string>();
  const messages: string[] = [];
  for (const command of list.commands) {
    try {
      authorizeGit(c, caller.principal, caller.region, 'GitPush', resource, [command.ref]);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      reasons.set(command.ref, `access denied: codecommit:GitPush is not allowed on ${command.ref}`);
      if (!messages.includes(err.message)) messages.push(err.message);
    }
  }
  if (reasons.size > 0) return refusePush(res, body, ended, list, reasons, messages);

  const hooks = await pushHooksDir(c);
  const log = join(hooks, '..', 'tmp', `push-${randomUUID()}`);
  try {
    await runGit(c, row, res, {
      service: 'git-receive-pack',
      protocol,
      body,
      bodyHead: head,
      bodyEnded: ended,
      hooksPath: hooks,
      env: { DRYDOCK_PUSH_LOG: log },
      afterExit: () => afterPush(c, row, caller, log),
    });
  } finally {
    await rm(log, { force: true });
  }
}

/**
 * Refuses a whole push as receive-pack reports a rejection: each reference `ng` with its reason in
 * the report-status, and the messages on the progress channel, so git prints e.g.
 * `remote: error: User: ... is not authorized to perform: codecommit:GitPush ...` and
 * `! [remote rejected] main -> main (...)`. Nothing of the push reaches the repository.
 */
function refusePush(res: ServerResponse, body: Readable, ended: boolean, list: CommandList, reasons: Map<string, string>, errors: string[]): Promise<void> {
  const reports = [pktLine('unpack ok\n')];
  for (const command of list.commands) {
    reports.push(pktLine(`ng ${command.ref} ${reasons.get(command.ref) ?? 'push refused: another reference in this push was denied'}\n`));
  }
  reports.push(FLUSH);
  const report = list.capabilities.has('report-status') || list.capabilities.has('report-status-v2') ? Buffer.concat(reports) : Buffer.alloc(0);
  const messages = errors.map((message) => `error: ${message}\n`);

  let answer: Buffer;
  const bandSize = list.capabilities.has('side-band-64k') ? 65515 : list.capabilities.has('side-band') ? 995 : 0;
  if (bandSize > 0) {
    const packets: Buffer[] = [];
    const band = (channel: number, data: Buffer) => {
      for (let at = 0; at < data.length; at += bandSize) packets.push(pktLine(Buffer.concat([Buffer.from([channel]), data.subarray(at, at + bandSize)])));
    };
    for (const message of messages) band(2, Buffer.from(message));
    band(1, report);
    packets.push(FLUSH);
    answer = Buffer.concat(packets);
  } else {
    answer = report;
  }
  return new Promise((resolve) => {
    const respond = () => {
      if (!res.destroyed) {
        res.writeHead(200, { 'content-type': 'application/x-git-receive-pack-result', 'content-length': answer.length, ...NO_CACHE });
        res.end(answer);
      }
      resolve();
    };
    // The pack that follows the commands is read and dropped: git reads the answer only once it has sent it.
    if (ended) return respond();
    body.once('end', respond);
    body.once('error', respond);
    res.once('close', resolve);
    body.resume();
  });
}

const hooksReady = new Map<string, Promise<string>>();

/** A hooks directory whose post-receive hook writes git's list of moved references to DRYDOCK_PUSH_LOG. */
function pushHooksDir(c: CodeCommitContext): Promise<string> {
  const dir = join(c.rt.dataDir, 'codecommit', 'hooks');
  let ready = hooksReady.get(dir);
  if (!ready) {
    ready = (async () => {
      await mkdir(join(dir, '..', 'tmp'), { recursive: true });
      await mkdir(dir, { recursive: true });
      const hook = join(dir, 'post-receive');
      await writeFile(hook, '#!/bin/sh\n# Drydock: git lists the references this push moved, one "<old> <new> <ref>" a line.\nexec cat > "$DRYDOCK_PUSH_LOG"\n');
      await chmod(hook, 0o755);
      return dir;
    })();
    ready.catch(() => hooksReady.delete(dir));
    hooksReady.set(dir, ready);
  }
  return ready;
}

/**
 * Publishes a reference event for every branch or tag the push moved. The repository's default
 * branch (the first branch pushed) and HEAD follow from these events (branches.ts). It runs when
 * receive-pack has exited, before the push's response ends: git prints the push as done only once
 * the response is complete, so every acknowledged push has been published. If Drydock dies after
 * receive-pack moved the references and before this runs, the references stay moved without
 * their events (see publishReferenceChange) and the client sees its push fail.
 */
async function afterPush(c: CodeCommitContext, row: RepositoryRow, caller: GitCaller, log: string): Promise<void> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const moved = text
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([oldId, newId, ref]) => OBJECT_ID.test(oldId ?? '') && OBJECT_ID.test(newId ?? '') && ref);
  // Events name the repository as it is now (renamed while the push ran?), or as it was if deleted meanwhile.
  const current = c.store.repositoryById(row.id) ?? row;
  const changes: ReferenceChange[] = [];
  for (const [oldId, newId, ref] of moved) {
    // CodeCommit's events describe branches and tags only.
    if (!ref.startsWith('refs/heads/') && !ref.startsWith('refs/tags/')) continue;
    const created = oldId === ZERO_ID;
    const deleted = newId === ZERO_ID;
    changes.push({
      event: created ? 'referenceCreated' : deleted ? 'referenceDeleted' : 'referenceUpdated',
      refName: ref,
      commitId: deleted ? undefined : newId,
      oldCommitId: created ? undefined : oldId,
    });
  }
  // One push: an event per reference, one notification per trigger for all of them.
  if (changes.length > 0) publishReferenceChanges(c, current, caller.principal.arn, changes);
}
