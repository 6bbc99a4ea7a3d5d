/**
 * One action of an execution: its record, its role session (the pipeline's service role, or the
 * action's own roleArn, assumed through STS as codepipeline.amazonaws.com), its resolved
 * configuration and artifact locations, then its provider: a built-in one from ACTION_PROVIDERS,
 * the job-worker provider for Custom actions, or a clear failure for a type Drydock cannot run.
 */

import { randomInt } from 'node:crypto';
import type { ActionDeclaration, ArtifactDetail } from '@aws-sdk/client-codepipeline';
import { servicePrincipal } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import type { InProcessCaller, Runtime } from '../../contracts.js';
import { ACTION_PROVIDERS, actionTypeKey } from '../actions/index.js';
import { type ActionContext, ActionFailure, type ActionResult, type ActionTypeId, type ArtifactLocation } from '../actions/types.js';
import { type CodePipelineContext, pipelineArn } from '../common.js';
import type { ActionExecutionRow, ExecutionRow } from '../store.js';
import { runCustomAction } from './custom.js';
import { actionEvent } from './events.js';
import { resolveConfiguration } from './variables.js';

/** What the actions of one execution share while it runs. */
export interface ExecutionRun {
  execution: ExecutionRow;
  roleArn: string;
  /** The artifact store of an action's region (artifactStores, for cross-region actions), else the pipeline's artifactStore. */
  artifactStoreFor(region: string): ActionContext['artifactStore'];
  /** namespace → output variables, plus `codepipeline` and `variables`. */
  scopes: Map<string, Record<string, string>>;
  /** Artifacts written so far, by name. */
  artifacts: Map<string, ArtifactLocation>;
  signal: AbortSignal;
  /** Aborted when the server stops: the action is left as it is, for the resumed job to take up. */
  interrupted: AbortSignal;
}

/** What an action execution's output column holds: ListActionExecutions' output and what later actions need. */
export interface StoredOutput {
  outputArtifacts: ArtifactDetail[];
  artifactLocations: ArtifactLocation[];
  executionResult?: { externalExecutionId?: string; externalExecutionSummary?: string; externalExecutionUrl?: string };
  outputVariables?: Record<string, string>;
  revision?: ActionResult['revision'];
}

export interface StoredInput {
  actionTypeId: ActionTypeId;
  configuration: Record<string, string>;
  resolvedConfiguration?: Record<string, string>;
  roleArn?: string;
  region: string;
  inputArtifacts: ArtifactDetail[];
  namespace?: string;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** AWS's artifact object key: `<pipeline name, 20 chars>/<artifact name, 20 chars>/<7 random chars>`. */
function artifactKey(pipeline: string, artifact: string): string {
  const random = Array.from({ length: 7 }, () => KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]).join('');
  return `${pipeline.slice(0, 20)}/${artifact.slice(0, 20)}/${random}`;
}

/** The input artifacts an action or rule declares, as its stored input records them: each name, and where this execution holds it. */
export function storedInputArtifacts(run: ExecutionRun, declared: { name?: string }[] | undefined): { name?: string; s3location?: { bucket: string; key: string } }[] {
  return (declared ?? []).map((a) => {
    const location = run.artifacts.get(a.name!);
    return { name: a.name, s3location: location && { bucket: location.bucket, key: location.key } };
  });
}

/** Runs one action to its end; answers whether it succeeded. `previous` is its record when a restart resumes it. */
export async function runAction(c: CodePipelineContext, run: ExecutionRun, stage: string, action: ActionDeclaration, previous?: ActionExecutionRow): Promise<boolean> {
  const { execution } = run;
  const type = action.actionTypeId as ActionTypeId;
  const region = action.region ?? execution.region;
  const now = c.rt.clock.now();
  const input: StoredInput = {
    actionTypeId: type,
    configuration: action.configuration ?? {},
    roleArn: action.roleArn,
    region,
    inputArtifacts: storedInputArtifacts(run, action.inputArtifacts),
    namespace: action.namespace,
  };
  const row: ActionExecutionRow = previous ?? {
    id: uuid(),
    execution_id: execution.id,
    stage,
    action: action.name!,
    status: 'InProgress',
    input: JSON.stringify(input),
    output: null,
    error: null,
    checkpoint: null,
    token: null,
    decision: null,
    started_at: now,
    updated_at: now,
  };
  const eventAction = { stage, action: action.name!, actionExecutionId: row.id, region, type };
  if (!previous) {
    c.store.tx(() => {
      c.store.putActionExecution(row);
      actionEvent(c.rt, execution, eventAction, 'STARTED');
    });
  }
  const store = run.artifactStoreFor(region);
  const outputArtifacts = (action.outputArtifacts ?? []).map((a) => ({ name: a.name!, bucket: store.bucket, key: artifactKey(execution.pipeline, a.name!) }));
  try {
    const configuration = resolveConfiguration(input.configuration, run.scopes);
    input.resolvedConfiguration = configuration;
    c.store.tx(() => c.store.putActionExecution({ ...current(c, row.id), input: JSON.stringify(input) }));
    const session = await assumeRole(c, execution, action.roleArn ?? run.roleArn);
    c.artifactCredentials.set(row.id, session.credentials);
    const ctx = actionContext(c, run, { stage, action, row, type, region, configuration, caller: session.caller, outputArtifacts });
    const result = await providerOf(type)(ctx);
    succeed(c, run, row.id, eventAction, action, { result, outputArtifacts });
    return true;
  } catch (err) {
    if (run.interrupted.aborted) return false;
    if (run.signal.aborted) {
      abandon(c, execution, row.id, eventAction);
      return false;
    }
    fail(c, execution, row.id, eventAction, err);
    return false;
  } finally {
    c.artifactCredentials.delete(row.id);
  }
}

function current(c: CodePipelineContext, id: string): ActionExecutionRow {
  return c.store.actionExecution(id)!;
}

type Provider = (ctx: ActionContext) => Promise<ActionResult>;

function providerOf(type: ActionTypeId): Provider {
  const builtIn = ACTION_PROVIDERS.get(actionTypeKey(type));
  if (builtIn) return (ctx) => builtIn.run(ctx);
  if (type.owner === 'Custom') return runCustomAction;
  return async () => {
    throw new ActionFailure(`Drydock has no provider for action type ${type.category}/${type.owner}/${type.provider}/${type.version}`, 'ConfigurationError');
  };
}

/** A session of `roleArn` assumed as codepipeline.amazonaws.com for the pipeline: the caller its actions (and rules) act as, and the credentials their jobs carry. */
export async function assumeRole(c: CodePipelineContext, execution: ExecutionRow, roleArn: string) {
  const service: InProcessCaller = {
    principal: servicePrincipal(execution.account, 'codepipeline.amazonaws.com'),
    region: execution.region,
    sourceArn: pipelineArn(execution.region, execution.account, execution.pipeline),
    sourceAccount: execution.account,
  };
  try {
    const { Credentials } = await c.rt.call('sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: `codepipeline-${Math.floor(c.rt.clock.now() / 1000)}` }, service);
    const principal = c.rt.credential(Credentials!.AccessKeyId!)!.principal;
    return {
      caller: { principal, account: execution.account, region: execution.region } satisfies InProcessCaller,
      credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! },
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ActionFailure(`CodePipeline is not authorized to perform AssumeRole on role ${roleArn}: ${message}`, 'PermissionError');
  }
}

interface ActionSetup {
  stage: string;
  action: ActionDeclaration;
  row: ActionExecutionRow;
  type: ActionTypeId;
  region: string;
  configuration: Record<string, string>;
  caller: InProcessCaller;
  outputArtifacts: ArtifactLocation[];
}

/** What an action's and a rule's contexts share; the rest (type, configuration, outputs, checkpoints) is each one's own. */
type SharedContext = Omit<ActionContext, 'actionTypeId' | 'timeoutInMinutes' | 'configuration' | 'sourceRevision' | 'outputArtifacts' | 'writeArtifact' | 'checkpoint' | 'saved' | 'signal'>;

/**
 * The context fields an action and a stage condition's rule get alike: calls as `at.caller`, where
 * in which execution they run, and reads of their input artifacts (`at.inputsOf` names whose
 * inputs an unknown artifact is not, in the refusal).
 */
export function sharedContext(
  rt: Runtime,
  run: ExecutionRun,
  at: { stage: string; name: string; rowId: string; region: string; caller: InProcessCaller; inputArtifacts: ArtifactLocation[]; inputsOf: string },
): SharedContext {
  const { execution } = run;
  const call: ActionContext['call'] = (service, operation, input) => rt.call(service, operation, input, at.caller);
  return {
    call,
    invoke: (serviceCall) => rt.invoke(serviceCall, at.caller),
    caller: at.caller,
    rt,
    clock: rt.clock,
    account: execution.account,
    region: at.region,
    pipelineName: execution.pipeline,
    pipelineArn: pipelineArn(execution.region, execution.account, execution.pipeline),
    pipelineVersion: execution.version,
    executionId: execution.id,
    stageName: at.stage,
    actionName: at.name,
    actionExecutionId: at.rowId,
    inputArtifacts: at.inputArtifacts,
    artifactStore: run.artifactStoreFor(at.region),
    async readArtifact(name) {
      const location = at.inputArtifacts.find((a) => a.name === name);
      if (!location) throw new ActionFailure(`The input artifact ${name} is not an input of ${at.inputsOf}`, 'ConfigurationError');
      const out = await call('s3', 'GetObject', { Bucket: location.bucket, Key: location.key, VersionId: location.versionId });
      return bodyBytes(out.Body);
    },
  };
}

function actionContext(c: CodePipelineContext, run: ExecutionRun, setup: ActionSetup): ActionContext {
  const { execution } = run;
  const inputArtifacts = (setup.action.inputArtifacts ?? []).map((a) => run.artifacts.get(a.name!)!);
  const shared = sharedContext(c.rt, run, { stage: setup.stage, name: setup.action.name!, rowId: setup.row.id, region: setup.region, caller: setup.caller, inputArtifacts, inputsOf: 'this action' });
  const saved = setup.row.checkpoint ? (JSON.parse(setup.row.checkpoint) as Record<string, unknown>) : undefined;
  return {
    ...shared,
    actionTypeId: setup.type,
    timeoutInMinutes: setup.action.timeoutInMinutes,
    configuration: setup.configuration,
    sourceRevision: setup.type.category === 'Source' ? sourceRevisionOf(execution, setup.action.name!) : undefined,
    outputArtifacts: setup.outputArtifacts,
    async writeArtifact(name, zip) {
      const location = setup.outputArtifacts.find((a) => a.name === name);
      if (!location) throw new ActionFailure(`The output artifact ${name} is not an output of this action`, 'ConfigurationError');
      const key = run.artifactStoreFor(setup.region).encryptionKey;
      const out = await shared.call('s3', 'PutObject', { Bucket: location.bucket, Key: location.key, Body: zip, ...(key ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: key.id } : {}) });
      location.versionId = out.VersionId;
    },
    checkpoint(data) {
      c.store.tx(() => c.store.putActionExecution({ ...current(c, setup.row.id), checkpoint: JSON.stringify(data), updated_at: c.rt.clock.now() }));
    },
    saved,
    signal: run.signal,
  };
}

/** The override StartPipelineExecution's sourceRevisions gives this (source) action, if any. */
function sourceRevisionOf(execution: ExecutionRow, actionName: string): ActionContext['sourceRevision'] {
  const overrides = JSON.parse(execution.source_revisions) as { actionName?: string; revisionType?: string; revisionValue?: string }[];
  const override = overrides.find((entry) => entry.actionName === actionName);
  return override ? { revisionType: override.revisionType!, revisionValue: override.revisionValue! } : undefined;
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function succeed(
  c: CodePipelineContext,
  run: ExecutionRun,
  id: string,
  eventAction: Parameters<typeof actionEvent>[2],
  action: ActionDeclaration,
  done: { result: ActionResult; outputArtifacts: ArtifactLocation[] },
): void {
  const { result, outputArtifacts } = done;
  const output: StoredOutput = {
    outputArtifacts: outputArtifacts.map((a) => ({ name: a.name, s3location: { bucket: a.bucket, key: a.key } })),
    artifactLocations: outputArtifacts,
    executionResult: { externalExecutionId: result.externalExecutionId, externalExecutionSummary: result.summary, externalExecutionUrl: result.externalExecutionUrl },
    outputVariables: result.outputVariables,
    revision: result.revision,
  };
  for (const artifact of outputArtifacts) run.artifacts.set(artifact.name, artifact);
  if (action.namespace) run.scopes.set(action.namespace, result.outputVariables ?? {});
  c.store.tx(() => {
    c.store.putActionExecution({ ...current(c, id), status: 'Succeeded', output: JSON.stringify(output), updated_at: c.rt.clock.now() });
    actionEvent(c.rt, run.execution, eventAction, 'SUCCEEDED');
  });
}

function fail(c: CodePipelineContext, execution: ExecutionRow, id: string, eventAction: Parameters<typeof actionEvent>[2], err: unknown): void {
  const failure =
    err instanceof ActionFailure
      ? { code: err.code, message: err.message, externalExecutionId: err.externalExecutionId }
      : { code: 'JobFailed', message: err instanceof AwsError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err) };
  if (!(err instanceof ActionFailure || err instanceof AwsError)) c.rt.log.warn(`codepipeline: action ${eventAction.action} of ${execution.pipeline} failed unexpectedly: ${failure.message}`);
  c.store.tx(() => {
    const row = current(c, id);
    const output: Partial<StoredOutput> = { executionResult: { externalExecutionId: failure.externalExecutionId } };
    c.store.putActionExecution({ ...row, status: 'Failed', error: JSON.stringify({ code: failure.code, message: failure.message }), output: JSON.stringify(output), updated_at: c.rt.clock.now() });
    actionEvent(c.rt, execution, eventAction, 'FAILED');
  });
}

function abandon(c: CodePipelineContext, execution: ExecutionRow, id: string, eventAction: Parameters<typeof actionEvent>[2]): void {
  c.store.tx(() => {
    c.store.putActionExecution({ ...current(c, id), status: 'Abandoned', updated_at: c.rt.clock.now() });
    actionEvent(c.rt, execution, eventAction, 'ABANDONED');
  });
}
