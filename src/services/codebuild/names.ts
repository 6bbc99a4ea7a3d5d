/**
 * CodeBuild's names every layer shares: resource ARNs, the report-group rules and quotas the
 * handlers and the report collector both apply, where a project's LOCAL cache lives, and the
 * addresses of Drydock's build and sandbox pages.
 */
import { join } from 'node:path';
import type { Scope } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';

/** AWS's quota of report groups per account and region. */
export const MAX_REPORT_GROUPS = 100;
/** CodeBuild deletes reports (and their test cases and coverages) this long after creating them. */
export const REPORT_RETENTION_MS = 30 * 86_400_000;
/** The characters the console and CloudFormation accept; `/` and `:` would break the ARNs. */
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,127}$/;

export const projectArn = (scope: Scope, name: string): string => arn('codebuild', scope.region, scope.account, `project/${name}`);
export const buildArn = (scope: Scope, id: string): string => arn('codebuild', scope.region, scope.account, `build/${id}`);
export const reportGroupArn = (scope: Scope, name: string): string => arn('codebuild', scope.region, scope.account, `report-group/${name}`);

/** `arn:aws:codebuild:<region>:<account>:report-group/<name>` → its parts; undefined when it is not one. */
export function parseReportGroupArn(text: string): (Scope & { name: string }) | undefined {
  const parts = parseArn(text);
  if (!parts?.resource.startsWith('report-group/') || parts.service !== 'codebuild') return undefined;
  const name = parts.resource.slice('report-group/'.length);
  return name ? { account: parts.account, region: parts.region, name } : undefined;
}

export function validGroupName(name: string): boolean {
  return GROUP_NAME.test(name);
}

/** Where a project's LOCAL cache lives on this host (the cache library writes there). */
export function localCacheDir(dataDir: string, scope: Scope, projectName: string): string {
  return join(dataDir, 'codebuild', 'cache', scope.account, scope.region, projectName);
}

/** Where Drydock serves its pages of builds and sandboxes (pages/run-pages.ts). */
export const PAGES_PREFIX = '/_drydock/codebuild/';

/** The page of a build or a sandbox on this Drydock: what its log links (`logs.deepLink`) point at. */
export function runPageUrl(endpoint: string, kind: 'builds' | 'sandboxes', id: string): string {
  return `${endpoint}${PAGES_PREFIX}${kind}/${encodeURIComponent(id)}`;
}
