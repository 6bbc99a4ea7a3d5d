/**
 * The state machine behind the waiters: a created function (or a published version) is Pending and
 * an updated one InProgress until a job on the core queue has done what AWS does meanwhile: made
 * the code ready to run (extracted the package and its layers) and checked that the runtime can
 * run here. It then becomes Active / Successful, or Failed with AWS's reason code (InvalidRuntime,
 * InvalidZipFileException, InvalidImage); an Active version gets a spare execution environment
 * readied in the background for its first invocation (engine/spares.ts). The job does nothing when the version changed again
 * since it was queued: the newer change has its own job.
 */
import { execFile } from 'node:child_process';
import type { Scope } from '../../core/accounts.js';
import type { Job } from '../../core/jobs.js';
import type { LambdaContext } from './common.js';
import { hostRuntime } from './engine/runtimes.js';
import { invocationTarget } from './invoke.js';
import { readConfig, resolveFunction } from './resolve.js';
import type { StoredConfig } from './store.js';

export const ACTIVATE_JOB = 'lambda:activate';

interface ActivatePayload extends Scope {
  name: string;
  version: string;
  revision: string;
}

/** Queues the activation of a version; call in the transaction that wrote it. */
export function queueActivation(c: LambdaContext, scope: Scope, name: string, version: string, revision: string): void {
  c.rt.jobs.enqueue(ACTIVATE_JOB, { account: scope.account, region: scope.region, name, version, revision } satisfies ActivatePayload);
}

/** What keeps the version from running, as AWS's reason code and message; undefined when it can run. */
async function problemOf(c: LambdaContext, payload: ActivatePayload, config: StoredConfig, code: string | null, sha: string): Promise<{ code: string; reason: string } | undefined> {
  if (config.PackageType === 'Image') {
    const engine = await containerEngine();
    return {
      code: 'InvalidImage',
      reason: engine
        ? `Drydock does not run container-image functions yet (${engine} is available, but images are not pulled or run): use a .zip package.`
        : 'Container-image functions need a container engine (Docker or Podman), and none is available on this host: use a .zip package, which Drydock runs on the host.',
    };
  }
  const launch = await hostRuntime(config.Runtime ?? '', process.env.DRYDOCK_RUNTIME_VERSIONS === 'host');
  if ('problem' in launch) return { code: 'InvalidRuntime', reason: launch.problem };
  try {
    if (code) await c.engine.workspace.codeDir({ blob: code, sha });
    const layers = (config.Layers ?? []).flatMap((layer) => {
      const m = /:layer:([^:]+):(\d+)$/.exec(layer.Arn ?? '');
      const row = m && c.store.getLayerVersion(layerScope(layer.Arn!, payload), m[1], Number(m[2]));
      return row ? [{ blob: row.code_blob, sha: row.code_sha }] : [];
    });
    await c.engine.workspace.optDir(layers);
  } catch (err) {
    return { code: 'InvalidZipFileException', reason: `Lambda was unable to unzip the deployment package: ${(err as Error).message}` };
  }
  return undefined;
}

let engineProbe: Promise<string | undefined> | undefined;

/** The container engine whose daemon answers on this host (`docker info`, `podman info`), probed once. */
function containerEngine(): Promise<string | undefined> {
  engineProbe ??= (async () => {
    for (const engine of ['docker', 'podman']) {
      const works = await new Promise<boolean>((resolve) => execFile(engine, ['info'], { timeout: 5000 }, (err) => resolve(!err)));
      if (works) return engine;
    }
    return undefined;
  })();
  return engineProbe;
}

function layerScope(layerArn: string, fallback: Scope): Scope {
  const parts = layerArn.split(':');
  return { region: parts[3] ?? fallback.region, account: parts[4] ?? fallback.account };
}

export function activationJob(c: LambdaContext): (job: Job) => Promise<void> {
  return async (job) => {
    const payload = job.payload as ActivatePayload;
    const row = c.store.getVersion(payload, payload.name, payload.version);
    if (!row || readConfig(row).RevisionId !== payload.revision) return;
    const problem = await problemOf(c, payload, readConfig(row), row.code_blob, row.code_sha);
    c.store.tx(() => {
      const current = c.store.getVersion(payload, payload.name, payload.version);
      if (!current) return;
      const config = readConfig(current);
      if (config.RevisionId !== payload.revision) return;
      const updating = config.LastUpdateStatus === 'InProgress';
      const next: StoredConfig = { ...config };
      for (const key of ['StateReason', 'StateReasonCode', 'LastUpdateStatusReason', 'LastUpdateStatusReasonCode'] as const) delete next[key];
      if (problem && updating) {
        Object.assign(next, { LastUpdateStatus: 'Failed', LastUpdateStatusReason: problem.reason, LastUpdateStatusReasonCode: problem.code });
      } else if (problem) {
        Object.assign(next, { State: 'Failed', StateReason: problem.reason, StateReasonCode: problem.code });
      } else {
        Object.assign(next, { State: 'Active', LastUpdateStatus: 'Successful' });
      }
      c.store.setConfig(payload, payload.name, payload.version, next);
    });
    if (!problem) await prepareEnvironment(c, payload);
  };
}

/** Readies a spare environment for the version's first invocation; a failure only means that invocation starts one itself. */
async function prepareEnvironment(c: LambdaContext, payload: ActivatePayload): Promise<void> {
  try {
    const resolved = resolveFunction(c, payload.name, payload.version, payload);
    await c.engine.prepare(invocationTarget(c, resolved));
  } catch (err) {
    c.rt.log.debug({ err, function: payload.name }, 'Lambda could not prepare an execution environment');
  }
}
