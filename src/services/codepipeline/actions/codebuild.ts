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
 * BatchEnabled "true" runs a batch build (StartBuildBatch, the project's batch configuration and the
 * buildspec's `batch` section) with the same sources and overrides; each build of the batch uploads
 * its artifacts under its own build id in the artifact store, and the action succeeds when the batch
 * does. As AWS lays them out: with CombineArtifacts "true" the one output artifact is a zip of every
 * build's primary artifact, each in a folder named by its build identifier; otherwise each output
 * artifact named `<build identifier>` is that build's primary artifact and one named
 * `<build identifier>_<artifact identifier>` its secondary artifact.
 *
 * Gaps: a batch's builds get the primary input as the S3 object it is (or the CodeCommit commit a
 * clone reference names), not as a CODEPIPELINE source, since CodeBuild would give every build of
 * the batch the one CODEPIPELINE artifact location; an output name is split at its first underscore into build and artifact identifiers (a
 * build identifier with an underscore cannot name a secondary artifact); the batch is checked on
 * each of its builds' state-change events and at least every second of Drydock time (CodeBuild has
 * no batch state-change event); a batch's exported variables are not the action's output variables.
 */
import type { Build, BuildBatch, EnvironmentVariable, ProjectArtifacts, ProjectSource } from '@aws-sdk/client-codebuild';
import { AwsError } from '../../../core/errors.js';
import type { AwsEvent } from '../../../core/events.js';
import { createZip, readZip, type ZipEntry } from '../../../core/zip.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult, type ArtifactLocation } from './types.js';

const ENVIRONMENT_VARIABLE_TYPES = new Set(['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER']);
const CLONE_REF_FILE = 'codepipeline-clone-ref.json';
/** How often (Drydock time) a running batch is looked at when no build event arrives. */
const BATCH_CHECK_MS = 1000;

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

/** StartBuild's (or StartBuildBatch's) refusals fail the action with AWS's wording for them. */
async function callCodeBuild<T>(operation: 'startBuild' | 'startBuildBatch', call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    const code = err.code === 'AccessDeniedException' ? 'PermissionError' : err.code === 'ResourceNotFoundException' || err.code === 'InvalidInputException' ? 'ConfigurationError' : 'JobFailed';
    throw new ActionFailure(`Error calling ${operation}: ${err.message} (Service: AWSCodeBuild; Status Code: ${err.status ?? 400}; Error Code: ${err.code})`, code);
  }
}

/** What StartBuild and StartBuildBatch share: the input artifacts as sources, EnvironmentVariables and BuildspecOverride. */
async function sourceOverrides(ctx: ActionContext) {
  const config = ctx.configuration;
  const inputs = ctx.inputArtifacts;
  if (inputs.length > 1 && !config.PrimarySource) {
    throw new ActionFailure('PrimarySource must be specified when the action has more than one input artifact', 'ConfigurationError');
  }
  const primary = config.PrimarySource ? inputs.find((a) => a.name === config.PrimarySource) : inputs[0];
  if (!primary) throw new ActionFailure(`PrimarySource ${config.PrimarySource} is not one of the action's input artifacts`, 'ConfigurationError');
  const secondaries = await Promise.all(inputs.filter((a) => a !== primary).map((a) => secondarySource(ctx, a)));
  const variables = environmentVariables(config.EnvironmentVariables);
  return {
    projectName: config.ProjectName,
    sourceTypeOverride: 'CODEPIPELINE' as const,
    sourceLocationOverride: locationOf(primary),
    ...(inputs.length > 1 ? { secondarySourcesOverride: secondaries.map((s) => s.source) } : {}),
    ...(secondaries.some((s) => s.version)
      ? { secondarySourcesVersionOverride: secondaries.filter((s) => s.version).map((s) => ({ sourceIdentifier: s.source.sourceIdentifier, sourceVersion: s.version })) }
      : {}),
    ...(variables ? { environmentVariablesOverride: variables } : {}),
    ...(config.BuildspecOverride ? { buildspecOverride: config.BuildspecOverride } : {}),
  };
}

async function startBuild(ctx: ActionContext): Promise<string> {
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
  const { build } = await callCodeBuild('startBuild', async () =>
    ctx.rt.call('codebuild', 'StartBuild', { ...(await sourceOverrides(ctx)), artifactsOverride, ...(otherOutputs.length ? { secondaryArtifactsOverride } : {}) }, pipelineCaller(ctx)),
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

/**
 * Where the builds of a batch upload: a prefix of the artifact store, each build under its own build
 * id (namespaceType BUILD_ID), its primary artifact as `primary.zip` and each secondary artifact an
 * output name asks for (`<build>_<artifact>`) as `<artifact>.zip`.
 */
function batchArtifactsOverrides(ctx: ActionContext): { artifactsOverride: ProjectArtifacts; secondaryArtifactsOverride?: ProjectArtifacts[] } {
  const path = `${ctx.pipelineName.slice(0, 20)}/batch-${ctx.actionExecutionId}`;
  const artifact = (name: string, artifactIdentifier?: string): ProjectArtifacts => ({
    type: 'S3',
    location: ctx.artifactStore.bucket,
    path,
    name,
    packaging: 'ZIP',
    namespaceType: 'BUILD_ID',
    ...(artifactIdentifier ? { artifactIdentifier } : {}),
  });
  if (!ctx.outputArtifacts.length) return { artifactsOverride: { type: 'NO_ARTIFACTS' } };
  const combine = ctx.configuration.CombineArtifacts === 'true';
  const secondary = combine
    ? []
    : [
        ...new Set(
          ctx.outputArtifacts
            .map((o) => o.name)
            .filter((n) => n.includes('_'))
            .map((n) => n.slice(n.indexOf('_') + 1)),
        ),
      ];
  return { artifactsOverride: artifact('primary.zip'), ...(secondary.length ? { secondaryArtifactsOverride: secondary.map((id) => artifact(`${id}.zip`, id)) } : {}) };
}

async function startBatch(ctx: ActionContext): Promise<string> {
  if (ctx.configuration.CombineArtifacts === 'true' && ctx.outputArtifacts.length > 1) {
    throw new ActionFailure('CombineArtifacts combines the batch into one output artifact: the action may have only one', 'ConfigurationError');
  }
  const overrides = await sourceOverrides(ctx);
  // CodeBuild takes a CODEPIPELINE source only with CODEPIPELINE artifacts, whose one location all the batch's builds would share:
  // the primary input is given as the S3 object (or, for a clone reference, the repository) it is.
  const primary = ctx.inputArtifacts.find((a) => locationOf(a) === overrides.sourceLocationOverride)!;
  const { source, version } = await secondarySource(ctx, primary);
  const { buildBatch } = await callCodeBuild('startBuildBatch', () =>
    ctx.rt.call(
      'codebuild',
      'StartBuildBatch',
      {
        ...overrides,
        sourceTypeOverride: source.type,
        sourceLocationOverride: source.location,
        ...(version ? { sourceVersion: version } : {}),
        ...batchArtifactsOverrides(ctx),
      },
      pipelineCaller(ctx),
    ),
  );
  return buildBatch!.id!;
}

async function batchOf(ctx: ActionContext, id: string): Promise<BuildBatch> {
  const { buildBatches } = await ctx.rt.call('codebuild', 'BatchGetBuildBatches', { ids: [id] }, pipelineCaller(ctx));
  const batch = buildBatches?.[0];
  if (!batch) throw new ActionFailure(`Build batch ${id} no longer exists`, 'JobFailed', id);
  return batch;
}

/**
 * Waits for the batch to complete: looked at after each "CodeBuild Build State Change" event (its
 * builds ending) and at least every second of Drydock time, since the batch itself has no event.
 */
async function awaitBatch(ctx: ActionContext, start: () => Promise<string>): Promise<BuildBatch> {
  let news = () => {};
  const stop = ctx.rt.events.subscribe((event: AwsEvent) => {
    if (event.source === 'aws.codebuild' && event['detail-type'] === 'CodeBuild Build State Change') news();
  });
  try {
    const id = await start();
    for (;;) {
      const batch = await batchOf(ctx, id);
      if (batch.complete) return batch;
      const settled = new AbortController();
      news = () => settled.abort();
      await ctx.clock.sleep(BATCH_CHECK_MS, AbortSignal.any([ctx.signal, settled.signal])).catch((err) => {
        if (ctx.signal.aborted) throw err;
      });
    }
  } finally {
    stop();
  }
}

const s3LocationOf = (arn: string) => /^arn:[^:]+:s3:::([^/]+)\/(.+)$/.exec(arn);

/** The batch's artifact an output artifact name designates: `<build>` its primary, `<build>_<artifact>` a secondary one. */
function batchArtifactLocation(batch: BuildBatch, name: string): string | undefined {
  const groups = batch.buildGroups ?? [];
  const whole = groups.find((g) => g.identifier === name);
  if (whole) return whole.currentBuildSummary?.primaryArtifact?.location || undefined;
  const split = name.indexOf('_');
  const group = split > 0 ? groups.find((g) => g.identifier === name.slice(0, split)) : undefined;
  return group?.currentBuildSummary?.secondaryArtifacts?.find((a) => a.identifier === name.slice(split + 1))?.location || undefined;
}

async function copyBatchOutputs(ctx: ActionContext, batch: BuildBatch): Promise<void> {
  const s3 = ctx.rt.api('s3');
  const scope = { account: ctx.account, region: ctx.region };
  const read = async (location: string) => {
    const [, bucket, key] = s3LocationOf(location) ?? [];
    if (!bucket || !key) throw new ActionFailure(`The batch build's artifact ${location} is not an S3 object`, 'JobFailed', batch.id);
    return readStream(s3.getObject(scope, bucket, key).body);
  };
  if (ctx.configuration.CombineArtifacts === 'true') {
    if (!ctx.outputArtifacts.length) return;
    const entries: ZipEntry[] = [];
    for (const group of batch.buildGroups ?? []) {
      const location = group.currentBuildSummary?.primaryArtifact?.location;
      if (location) for (const entry of readZip(await read(location))) entries.push({ ...entry, name: `${group.identifier}/${entry.name}` });
    }
    await ctx.writeArtifact(ctx.outputArtifacts[0].name, createZip(entries));
    return;
  }
  for (const output of ctx.outputArtifacts) {
    const location = batchArtifactLocation(batch, output.name);
    if (!location) throw new ActionFailure(`The batch build did not produce output artifact ${output.name}`, 'JobFailed', batch.id);
    await ctx.writeArtifact(output.name, await read(location));
  }
}

/** A batch that did not succeed: its status, and what its failed phase or builds say. */
function batchFailureMessage(batch: BuildBatch): string {
  const failedPhase = batch.phases?.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED' && p.contexts?.length);
  const failedBuilds = (batch.buildGroups ?? []).filter((g) => g.currentBuildSummary?.buildStatus && g.currentBuildSummary.buildStatus !== 'SUCCEEDED');
  const detail = failedPhase
    ? `. Phase: ${failedPhase.phaseType}, Message: ${failedPhase.contexts?.[0]?.message}`
    : failedBuilds.length
      ? `. Builds: ${failedBuilds.map((g) => `${g.identifier} ${g.currentBuildSummary?.buildStatus}`).join(', ')}`
      : '';
  return `Build batch terminated with state: ${batch.buildBatchStatus}${detail}`;
}

async function runBatch(ctx: ActionContext): Promise<ActionResult> {
  const savedId = typeof ctx.saved?.batchId === 'string' ? ctx.saved.batchId : undefined;
  const batch = await awaitBatch(ctx, async () => {
    if (savedId) return savedId;
    const started = await startBatch(ctx);
    ctx.checkpoint({ batchId: started });
    return started;
  });
  if (batch.buildBatchStatus !== 'SUCCEEDED') throw new ActionFailure(batchFailureMessage(batch), 'JobFailed', batch.id);
  await copyBatchOutputs(ctx, batch);
  return { externalExecutionId: batch.id };
}

async function run(ctx: ActionContext): Promise<ActionResult> {
  if (ctx.configuration.BatchEnabled === 'true') return runBatch(ctx);
  if (ctx.configuration.CombineArtifacts === 'true') throw new ActionFailure('CombineArtifacts applies to batch builds: set BatchEnabled to true', 'ConfigurationError');
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
