/**
 * The events CodeBuild puts on the bus: "CodeBuild Build State Change" when a build starts and
 * ends, "CodeBuild Build Phase Change" when a phase completes, with the detail shapes of AWS's
 * "Build notifications input format reference" (kebab-case keys, dates as Java's
 * `MMM d, yyyy h:mm:ss a` in UTC, phase contexts as text).
 */
import type { Build, BuildPhase, PhaseContext } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import type { CodeBuildContext } from '../common.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Sep 1, 2017 4:12:29 PM`, as the event details write times. */
export function eventTime(date: Date | undefined): string | undefined {
  if (!date) return undefined;
  const hours = date.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${hours % 12 || 12}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

/** Phase contexts as the events carry them: `[STATUS_CODE: message, …]`. */
function contextText(contexts: PhaseContext[] | undefined): string {
  return `[${(contexts ?? []).map((c) => `${c.statusCode ?? ''}: ${c.message ?? ''}`).join(', ')}]`;
}

function phaseDetail(phase: BuildPhase): Record<string, unknown> {
  return {
    'phase-context': (phase.contexts ?? []).map((c) => `${c.statusCode ?? ''}: ${c.message ?? ''}`),
    'start-time': eventTime(phase.startTime),
    'end-time': eventTime(phase.endTime),
    'duration-in-seconds': phase.durationInSeconds,
    'phase-type': phase.phaseType,
    'phase-status': phase.phaseStatus,
  };
}

function additionalInformation(build: Build): Record<string, unknown> {
  const env = build.environment;
  const info: Record<string, unknown> = {
    ...(build.artifacts?.location ? { artifact: { md5sum: build.artifacts.md5sum, sha256sum: build.artifacts.sha256sum, location: build.artifacts.location } } : {}),
    environment: {
      image: env?.image,
      'privileged-mode': env?.privilegedMode ?? false,
      'image-pull-credentials-type': env?.imagePullCredentialsType,
      'compute-type': env?.computeType,
      type: env?.type,
      'environment-variables': (env?.environmentVariables ?? []).map((v) => ({ name: v.name, type: v.type, value: v.value })),
    },
    cache: { type: build.cache?.type, location: build.cache?.location, modes: build.cache?.modes },
    'timeout-in-minutes': build.timeoutInMinutes,
    'queued-timeout-in-minutes': build.queuedTimeoutInMinutes,
    'build-complete': build.buildComplete ?? false,
    'build-number': build.buildNumber,
    initiator: build.initiator,
    'build-start-time': eventTime(build.startTime),
    source: { location: build.source?.location, type: build.source?.type, ...(build.source?.buildspec ? { buildspec: build.source.buildspec } : {}) },
    'source-version': build.sourceVersion,
    ...(build.resolvedSourceVersion ? { 'resolved-source-version': build.resolvedSourceVersion } : {}),
    logs: { 'group-name': build.logs?.groupName, 'stream-name': build.logs?.streamName, 'deep-link': build.logs?.deepLink },
    phases: (build.phases ?? []).map(phaseDetail),
  };
  // Members the build does not have are left out, as AWS leaves them out.
  return JSON.parse(JSON.stringify(info)) as Record<string, unknown>;
}

/** Publishes "CodeBuild Build State Change" for the build as it is now. */
export function publishStateChange(c: CodeBuildContext, scope: Scope, build: Build): void {
  const current = build.phases?.find((p) => p.phaseType === build.currentPhase);
  c.rt.events.publish({
    source: 'aws.codebuild',
    'detail-type': 'CodeBuild Build State Change',
    account: scope.account,
    region: scope.region,
    resources: [build.arn!],
    detail: {
      'build-status': build.buildStatus,
      'project-name': build.projectName,
      'build-id': build.arn,
      'additional-information': additionalInformation(build),
      'current-phase': build.currentPhase,
      'current-phase-context': contextText(current?.contexts),
      version: '1',
    },
  });
}

/** Publishes "CodeBuild Build Phase Change" for a phase that just completed. */
export function publishPhaseChange(c: CodeBuildContext, scope: Scope, build: Build, completed: BuildPhase): void {
  c.rt.events.publish({
    source: 'aws.codebuild',
    'detail-type': 'CodeBuild Build Phase Change',
    account: scope.account,
    region: scope.region,
    resources: [build.arn!],
    detail: {
      'completed-phase': completed.phaseType,
      'project-name': build.projectName,
      'build-id': build.arn,
      'completed-phase-context': contextText(completed.contexts),
      'additional-information': additionalInformation(build),
      'completed-phase-status': completed.phaseStatus,
      'completed-phase-duration-seconds': completed.durationInSeconds,
      version: '1',
      'completed-phase-start': eventTime(completed.startTime),
      'completed-phase-end': eventTime(completed.endTime),
    },
  });
}
