/**
 * PollForSourceChanges: CodePipeline checks each polling source about once a minute and starts the
 * pipeline when the source changed. A CodeCommit source polls its branch's head commit, an S3
 * source its object's latest version; the configuration key defaults to true when absent (AWS's
 * default for pipelines made through the API, the CLI or CloudFormation), "false" turns it off.
 *
 * The poll runs on Drydock's clock (POLL_INTERVAL_MS), so the time warp reaches it. Each source
 * action's last seen revision is a row (codepipeline_source_polls): the first poll of an action
 * takes the revision its newest succeeded run produced (or, without one, what it sees now) as
 * known, so only a later change starts an execution, through the same path as
 * StartPipelineExecution, with trigger PollForSourceChanges. The source is read through the
 * owning service's operations as the pipeline's role, as the source action reads it.
 *
 * Inactive pipelines stop polling, as AWS's pipeline structure reference says: a pipeline with no
 * execution started for 30 days (since its creation when it has none) has polling disabled, and
 * GetPipeline's metadata.pollingDisabledAt says since when (its last start plus 30 days). Derived
 * from stored times, never stored itself: an execution started later (by hand, an EventBridge rule,
 * PutActionRevision) makes the pipeline active and its polling resumes, Drydock's reading of
 * AWS's "inactive" as "no execution started in the last 30 days". AWS's fixed quota of 300
 * polling pipelines per account and Region refuses the next one on CreatePipeline and UpdatePipeline.
 */

import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { servicePrincipal } from '../../core/accounts.js';
import type { ClockTimer } from '../../core/clock.js';
import { AwsError } from '../../core/errors.js';
import type { InProcessCaller } from '../contracts.js';
import { declarationOf, pipelineArn } from './common.js';
import type { HandlerContext } from './handlers/context.js';
import { startExecution } from './handlers/executions.js';
import type { PipelineRow } from './store.js';

/** AWS polls a source about once a minute. */
const POLL_INTERVAL_MS = 60_000;
/** AWS disables polling in pipelines that have started no execution for this long. */
const INACTIVE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
/** A role session is reused for polls until this long before it expires. */
const SESSION_MARGIN_MS = 5 * 60_000;

/** Refusals meaning the branch or object does not exist (yet): the source has no revision. */
const ABSENT = new Set(['BranchDoesNotExistException', 'RepositoryDoesNotExistException', 'NoSuchKey', 'NotFound', 'NoSuchBucket']);

interface PolledSource {
  stage: string;
  action: string;
  provider: 'CodeCommit' | 'S3';
  configuration: Record<string, string>;
}

export class SourcePoller {
  private timer?: ClockTimer;
  private polling = false;
  /** The pipeline roles' sessions, by account and role ARN. */
  private readonly sessions = new Map<string, { caller: InProcessCaller; expiresAt: number }>();

  constructor(private readonly c: HandlerContext) {}

  start(): void {
    this.stop();
    this.arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = this.c.rt.clock.after(POLL_INTERVAL_MS, () => {
      this.arm();
      // A poll still running when the next one is due (a slow source) is not overlapped.
      if (this.polling) return;
      this.polling = true;
      this.pollAll()
        .catch((err) => this.c.rt.log.error(`codepipeline: source polling failed: ${err instanceof Error ? err.stack : String(err)}`))
        .finally(() => {
          this.polling = false;
        });
    });
  }

  private async pollAll(): Promise<void> {
    for (const pipeline of this.c.store.history.allPipelines()) {
      if (pollingDisabledAt(this.c, pipeline) !== undefined) continue;
      for (const source of polledSources(pipeline)) await this.poll(pipeline, source);
    }
  }

  private async poll(pipeline: PipelineRow, source: PolledSource): Promise<void> {
    const { c } = this;
    const current = await this.currentRevision(pipeline, source);
    if (current === undefined) return;
    const key = [pipeline.account, pipeline.region, pipeline.name, source.stage, source.action] as const;
    c.store.tx(() => {
      // The pipeline may have changed or gone while the source was read.
      const now = c.store.pipeline(pipeline.account, pipeline.region, pipeline.name);
      if (!now || now.version !== pipeline.version) return;
      const seen = c.store.history.sourcePoll(...key);
      const known = seen ? seen.revision : (c.store.history.latestSourceRevision(...key) ?? current);
      c.store.history.putSourcePoll({ account: now.account, region: now.region, pipeline: now.name, stage: source.stage, action: source.action, revision: current, polled_at: c.rt.clock.now() });
      if (current !== null && current !== known) startExecution(c, now, { triggerType: 'PollForSourceChanges', triggerDetail: source.action }, {});
    });
  }

  /** The source's revision now: null when the branch or object does not exist, undefined when it could not be read. */
  private async currentRevision(pipeline: PipelineRow, source: PolledSource): Promise<string | null | undefined> {
    const { c } = this;
    try {
      const caller = await this.roleCaller(pipeline);
      if (source.provider === 'CodeCommit') {
        const { branch } = await c.rt.call('codecommit', 'GetBranch', { repositoryName: source.configuration.RepositoryName, branchName: source.configuration.BranchName }, caller);
        return branch?.commitId ?? null;
      }
      const head = await c.rt.call('s3', 'HeadObject', { Bucket: source.configuration.S3Bucket, Key: source.configuration.S3ObjectKey }, caller);
      return head.VersionId ?? head.ETag ?? null;
    } catch (err) {
      if (err instanceof AwsError && ABSENT.has(err.code)) return null;
      // The kept session may be what failed (its role changed, or a reset removed it): the next poll assumes the role again.
      this.sessions.delete(`${pipeline.account}/${declarationOf(pipeline).roleArn}`);
      c.rt.log.debug(`codepipeline: could not poll ${source.action} of ${pipeline.name}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The pipeline's service role, assumed as codepipeline.amazonaws.com (a session kept while it is valid). */
  private async roleCaller(pipeline: PipelineRow): Promise<InProcessCaller> {
    const { c } = this;
    const roleArn = declarationOf(pipeline).roleArn!;
    const key = `${pipeline.account}/${roleArn}`;
    const kept = this.sessions.get(key);
    if (kept && kept.expiresAt - SESSION_MARGIN_MS > c.rt.clock.now()) return kept.caller;
    const service: InProcessCaller = {
      principal: servicePrincipal(pipeline.account, 'codepipeline.amazonaws.com'),
      region: pipeline.region,
      sourceArn: pipelineArn(pipeline.region, pipeline.account, pipeline.name),
      sourceAccount: pipeline.account,
    };
    const { Credentials } = await c.rt.call('sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: `codepipeline-poll-${Math.floor(c.rt.clock.now() / 1000)}` }, service);
    const principal = c.rt.credential(Credentials!.AccessKeyId!)!.principal;
    const caller = { principal, account: pipeline.account, region: pipeline.region };
    this.sessions.set(key, { caller, expiresAt: Credentials!.Expiration!.getTime() });
    return caller;
  }
}

/**
 * When polling was disabled for the pipeline: 30 days after its newest execution started (or it was
 * created), once that has passed and only for a pipeline with polling sources; else undefined.
 */
export function pollingDisabledAt(c: HandlerContext, pipeline: PipelineRow): number | undefined {
  if (!polledSources(pipeline).length) return undefined;
  const lastStart = c.store.history.lastExecutionStart(pipeline.account, pipeline.region, pipeline.name) ?? pipeline.created_at;
  const disabledAt = lastStart + INACTIVE_AFTER_MS;
  return disabledAt <= c.rt.clock.now() ? disabledAt : undefined;
}

/** AWS's fixed quota of pipelines that poll their sources, per account and Region. */
const MAX_POLLING_PIPELINES = 300;

/**
 * Refuses a declaration that polls when its account's Region already has AWS's 300 pipelines that
 * do (the pipeline itself not counted, for an update), in AWS's words. Called in the request's
 * transaction, so two requests cannot both take the last place.
 */
export function checkPollingQuota(c: HandlerContext, account: string, region: string, declaration: PipelineDeclaration): void {
  if (!pollingSourcesOf(declaration).length) return;
  let polling = 0;
  for (const row of c.store.history.allPipelines()) {
    if (row.account === account && row.region === region && row.name !== declaration.name && polledSources(row).length) polling++;
  }
  if (polling >= MAX_POLLING_PIPELINES) {
    throw new AwsError(
      'LimitExceededException',
      `Maximum number of pipelines using periodic source checks in account (${MAX_POLLING_PIPELINES}) exceeded. Switch to event-based change detection such as Amazon CloudWatch Events or webhooks to save this pipeline. Learn more: https://docs.aws.amazon.com/console/codepipeline/polling-to-events-based`,
    );
  }
}

const polledSources = (pipeline: PipelineRow): PolledSource[] => pollingSourcesOf(declarationOf(pipeline));

/** The pipeline's CodeCommit and S3 source actions that poll (PollForSourceChanges absent or true). */
function pollingSourcesOf(declaration: PipelineDeclaration): PolledSource[] {
  const first = declaration.stages?.[0];
  const sources: PolledSource[] = [];
  for (const action of first?.actions ?? []) {
    const type = action.actionTypeId;
    if (type?.category !== 'Source' || type.owner !== 'AWS' || (type.provider !== 'CodeCommit' && type.provider !== 'S3')) continue;
    const configuration = action.configuration ?? {};
    if ((configuration.PollForSourceChanges ?? 'true').toLowerCase() === 'false') continue;
    sources.push({ stage: first!.name!, action: action.name!, provider: type.provider, configuration });
  }
  return sources;
}
