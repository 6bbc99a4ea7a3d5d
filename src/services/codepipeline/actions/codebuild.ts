/**
 * Build/AWS/CodeBuild/1 and Test/AWS/CodeBuild/1: a CodeBuild build of the project ProjectName,
 * started through StartBuild as the pipeline's role (on the pipeline's behalf, so the build's
 * initiator is `codepipeline/<pipeline>`), with the action's artifacts as its source and outputs:
 *
 * - the primary input (PrimarySource, or the only input) is the CODEPIPELINE source at its
 *   artifact-store location; the other inputs are secondary S3 sources named by their artifact
 *   names (CODEBUILD_SRC_DIR_<name>), a CODEBUILD_CLONE_REF secondary input a CodeCommit clone;
 * - the first output is the CODEPIPELINE artifact, the others secondary artifacts whose identifiers
 *   are the output artifact names (the buildspec's `secondary-artifacts` keys);
 * - EnvironmentVariables (a JSON list of {name, value, type}) override the project's;
 * - the build's exported variables become the action's output variables.
 *
 * Completion arrives through CodeBuild's "CodeBuild Build State Change" events on the bus; the
 * build id is checkpointed before waiting, so a restarted execution reattaches to the same build.
 *
 * Gaps: BatchEnabled builds fail the action saying Drydock does not run them for pipelines yet.
 */
import type { Build, EnvironmentVariable, ProjectArtifacts, ProjectSource } from '@aws-sdk/client-codebuild';
import { AwsError } from '../../../core/errors.js';
import type { AwsEvent } from '../../../core/events.js';
import { readZip } from '../../../core/zip.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult, type ArtifactLocation } from './types.js';

const ENVIRONMENT_VARIABLE_TYPES = new Set(['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER']);
const CLONE_REF_FILE = 'codepipeline-clone-ref.json';

const settings: ActionProvider['settings'] = {
  configurationProperties: [
    { name: 'ProjectName', required: true, key: true, secret: false },
    { name: 'PrimarySource', required: false, key: false, secret: false },
    { name: 'BatchEnabled', required: false, key: false, secret: false },
    { name: 'CombineArtifacts', required: false, key: false, secret: false },
    { name: 'EnvironmentVariables', required: false, key: false, secret: false },
    { name: 'BuildspecOverride', required: false, key: false, secret: false },
  ],
  inputArtifacts: { minimumCount: 1, maximumCount: 5 },
  outputArtifacts: { minimumCount: 0, maximumCount: 5 },
};

/** The caller for CodeBuild: the action's role acting on the pipeline's behalf, which CodeBuild shows as the build's initiator. */
function pipelineCaller(ctx: ActionContext) {
  return { ...ctx.caller, calledVia: ctx.caller.calledVia ?? ['codepipeline.amazonaws.com'], sourceArn: ctx.caller.sourceArn ?? ctx.pipelineArn };
}

const locationOf = (artifact: ArtifactLocation) => `${artifact.bucket}/${artifact.key}`;

/** EnvironmentVariables: AWS's JSON list of {name, value, type}. */
function environmentVariables(text: string | undefined): EnvironmentVariable[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new ActionFailure('EnvironmentVariables must be a JSON array of objects with name, value and type', 'ConfigurationError');
  }
  if (!Array.isArray(list)) throw new ActionFailure('EnvironmentVariables must be a JSON array of objects with name, value and type', 'ConfigurationError');
  return list.map((entry: { name?: unknown; value?: unknown; type?: unknown }) => {
    if (typeof entry?.name !== 'string' || typeof entry.value !== 'string') {
      throw new ActionFailure('Each environment variable in EnvironmentVariables needs a string name and value', 'ConfigurationError');
    }
    const type = entry.type ?? 'PLAINTEXT';
    if (typeof type !== 'string' || !ENVIRONMENT_VARIABLE_TYPES.has(type)) {
      throw new ActionFailure(`Invalid environment variable type ${String(type)} for ${entry.name}. Valid values are PLAINTEXT, PARAMETER_STORE and SECRETS_MANAGER.`, 'ConfigurationError');
    }
    return { name: entry.name, value: entry.value, type: type as EnvironmentVariable['type'] };
  });
}

/** A secondary input as a CodeBuild source: its zip in the artifact store, or the clone a CODEBUILD_CLONE_REF names. */
async function secondarySource(ctx: ActionContext, artifact: ArtifactLocation): Promise<{ source: ProjectSource; version?: string }> {
  const zip = await ctx.readArtifact(artifact.name);
  const ref = cloneRefOf(zip);
  if (ref) return { source: { type: 'CODECOMMIT', location: ref.cloneUrlHttp, sourceIdentifier: artifact.name }, version: ref.commitId };
  return { source: { type: 'S3', location: locationOf(artifact), sourceIdentifier: artifact.name }, ...(artifact.versionId ? { version: artifact.versionId } : {}) };
}

/** The clone reference a CODEBUILD_CLONE_REF artifact holds: a zip of that one JSON file. */
function cloneRefOf(zip: Buffer): { cloneUrlHttp: string; commitId: string } | undefined {
  let entries: ReturnType<typeof readZip>;
  try {
    entries = readZip(zip);
  } catch {
    return undefined;
  }
  if (entries.length !== 1 || entries[0].name !== CLONE_REF_FILE) return undefined;
  try {
    const ref = JSON.parse(Buffer.from(entries[0].data).toString('utf8')) as { cloneUrlHttp?: unknown; commitId?: unknown };
    return typeof ref.cloneUrlHttp === 'string' && typeof ref.commitId === 'string' ? { cloneUrlHttp: ref.cloneUrlHttp, commitId: ref.commitId } : undefined;
  } catch {
    return undefined;
  }
}

/** StartBuild's refusals fail the action with AWS's wording for them. */
async function callCodeBuild<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    const code = err.code === 'AccessDeniedException' ? 'PermissionError' : err.code === 'ResourceNotFoundException' || err.code === 'InvalidInputException' ? 'ConfigurationError' : 'JobFailed';
    throw new ActionFailure(`Error calling startBuild: ${err.message} (Service: AWSCodeBuild; Status Code: ${err.status ?? 400}; Error Code: ${err.code})`, code);
  }
}

async function startBuild(ctx: ActionContext): Promise<string> {
  const config = ctx.configuration;
  if (config.BatchEnabled === 'true') throw new ActionFailure('Drydock does not run CodeBuild batch builds (BatchEnabled) from pipelines yet', 'ConfigurationError');
  const inputs = ctx.inputArtifacts;
  if (inputs.length > 1 && !config.PrimarySource) {
    throw new ActionFailure('PrimarySource must be specified when the action has more than one input artifact', 'ConfigurationError');
  }
  const primary = config.PrimarySource ? inputs.find((a) => a.name === config.PrimarySource) : inputs[0];
  if (!primary) throw new ActionFailure(`PrimarySource ${config.PrimarySource} is not one of the action's input artifacts`, 'ConfigurationError');
  const secondaries = await Promise.all(inputs.filter((a) => a !== primary).map((a) => secondarySource(ctx, a)));
  const [firstOutput, ...otherOutputs] = ctx.outputArtifacts;
  const artifactsOverride: ProjectArtifacts = { type: 'CODEPIPELINE', ...(firstOutput ? { location: locationOf(firstOutput), artifactIdentifier: firstOutput.name } : {}) };
  const secondaryArtifactsOverride: ProjectArtifacts[] = otherOutputs.map((o) => ({
    type: 'S3',
    location: o.bucket,
    path: o.key.slice(0, o.key.lastIndexOf('/')),
    name: o.key.slice(o.key.lastIndexOf('/') + 1),
    packaging: 'ZIP',
    namespaceType: 'NONE',
    artifactIdentifier: o.name,
  }));
  const variables = environmentVariables(config.EnvironmentVariables);
  const { build } = await callCodeBuild(() =>
    ctx.rt.call(
      'codebuild',
      'StartBuild',
      {
        projectName: config.ProjectName,
        sourceTypeOverride: 'CODEPIPELINE',
        sourceLocationOverride: locationOf(primary),
        artifactsOverride,
        ...(inputs.length > 1 ? { secondarySourcesOverride: secondaries.map((s) => s.source) } : {}),
        ...(secondaries.some((s) => s.version)
          ? { secondarySourcesVersionOverride: secondaries.filter((s) => s.version).map((s) => ({ sourceIdentifier: s.source.sourceIdentifier, sourceVersion: s.version })) }
          : {}),
        ...(otherOutputs.length ? { secondaryArtifactsOverride } : {}),
        ...(variables ? { environmentVariablesOverride: variables } : {}),
        ...(config.BuildspecOverride ? { buildspecOverride: config.BuildspecOverride } : {}),
      },
      pipelineCaller(ctx),
    ),
  );
  return build!.id!;
}

const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']);

/**
 * Waits for the build's final "CodeBuild Build State Change" event. `start` runs after the
 * listener is in place, so a build that ends at once is not missed; it answers the build's id, or
 * the build record itself when it has already ended (a reattached build).
 */
async function awaitBuild(ctx: ActionContext, start: () => Promise<{ id: string; ended: boolean }>): Promise<string> {
  const ended = new Set<string>();
  let wake = () => {};
  const stop = ctx.rt.events.subscribe((event: AwsEvent) => {
    if (event.source !== 'aws.codebuild' || event['detail-type'] !== 'CodeBuild Build State Change') return;
    if (!FINAL_STATUSES.has(String(event.detail['build-status']))) return;
    ended.add(String(event.detail['build-id']));
    wake();
  });
  const aborted = new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
  aborted.catch(() => {});
  try {
    const { id, ended: already } = await start();
    const arnSuffix = `:build/${id}`;
    const done = () => already || [...ended].some((arn) => arn.endsWith(arnSuffix));
    while (!done()) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await Promise.race([
        new Promise<void>((resolve) => {
          wake = resolve;
        }),
        aborted,
      ]);
    }
    return id;
  } finally {
    stop();
  }
}

async function buildOf(ctx: ActionContext, id: string): Promise<Build | undefined> {
  const { builds } = await ctx.rt.call('codebuild', 'BatchGetBuilds', { ids: [id] }, pipelineCaller(ctx));
  return builds?.[0];
}

/** AWS's message for a build that did not succeed, with the failed phase's context. */
function failureMessage(build: Build): string {
  const failed = build.phases?.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED');
  const context = failed?.contexts?.find((c) => c.statusCode || c.message);
  const detail = failed && context ? `. Phase: ${failed.phaseType}, Code: ${context.statusCode}, Message: ${context.message}` : '';
  return `Build terminated with state: ${build.buildStatus}${detail}`;
}

async function copyOutputs(ctx: ActionContext, build: Build): Promise<void> {
  // CodeBuild wrote the zips where the pipeline said; writing them through the pipeline records their versions and applies the store's key.
  const s3 = ctx.rt.api('s3');
  const scope = { account: ctx.account, region: ctx.region };
  const written = [build.artifacts, ...(build.secondaryArtifacts ?? [])].filter((a) => a?.location);
  for (const output of ctx.outputArtifacts) {
    if (!written.some((a) => a?.location?.endsWith(`:::${locationOf(output)}`))) {
      throw new ActionFailure(`The build did not produce output artifact ${output.name}`, 'JobFailed', build.id);
    }
    await ctx.writeArtifact(output.name, await readStream(s3.getObject(scope, output.bucket, output.key).body));
  }
}

async function readStream(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

async function run(ctx: ActionContext): Promise<ActionResult> {
  const savedId = typeof ctx.saved?.buildId === 'string' ? ctx.saved.buildId : undefined;
  const id = await awaitBuild(ctx, async () => {
    if (savedId) {
      const build = await buildOf(ctx, savedId);
      if (!build) throw new ActionFailure(`Build ${savedId} no longer exists`, 'JobFailed', savedId);
      return { id: savedId, ended: FINAL_STATUSES.has(build.buildStatus ?? '') };
    }
    const started = await startBuild(ctx);
    ctx.checkpoint({ buildId: started });
    return { id: started, ended: false };
  });
  const build = await buildOf(ctx, id);
  if (!build) throw new ActionFailure(`Build ${id} no longer exists`, 'JobFailed', id);
  const link = build.logs?.deepLink ? { externalExecutionUrl: build.logs.deepLink } : {};
  if (build.buildStatus !== 'SUCCEEDED') throw new ActionFailure(failureMessage(build), 'JobFailed', id);
  await copyOutputs(ctx, build);
  const outputVariables = Object.fromEntries((build.exportedEnvironmentVariables ?? []).map((v) => [v.name!, v.value ?? '']));
  return { externalExecutionId: id, ...link, ...(Object.keys(outputVariables).length ? { outputVariables } : {}) };
}

export const codeBuildBuild: ActionProvider = { typeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, settings, run };
export const codeBuildTest: ActionProvider = { typeId: { category: 'Test', owner: 'AWS', provider: 'CodeBuild', version: '1' }, settings, run };
