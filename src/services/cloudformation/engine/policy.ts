/**
 * Stack policies: which update actions (`Update:Modify`, `Update:Replace`, `Update:Delete`) a
 * stack update may take on which resources (`LogicalResourceId/<id>`, with `*` and `?` wildcards,
 * and `ResourceType` conditions with StringEquals / StringLike). A stack without a policy allows
 * everything; once a policy is set, only what it explicitly allows, and an explicit Deny wins.
 */
import { validationError } from '../common.js';

export type UpdateAction = 'Update:Modify' | 'Update:Replace' | 'Update:Delete';

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function wildcard(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`).test(text);
}

function matchesAny(patterns: string[], text: string): boolean {
  return patterns.some((pattern) => wildcard(pattern, text));
}

function conditionHolds(condition: unknown, resourceType: string): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  for (const [operator, keys] of Object.entries(condition as Record<string, Record<string, unknown>>)) {
    const wanted = list(keys?.ResourceType);
    if (operator === 'StringEquals' && !wanted.includes(resourceType)) return false;
    if (operator === 'StringLike' && !matchesAny(wanted, resourceType)) return false;
  }
  return true;
}

function applies(statement: Statement, action: UpdateAction, resource: string, resourceType: string): boolean {
  const actionMatches = statement.NotAction !== undefined ? !matchesAny(list(statement.NotAction), action) : matchesAny(list(statement.Action), action);
  const resourceMatches = statement.NotResource !== undefined ? !matchesAny(list(statement.NotResource), resource) : matchesAny(list(statement.Resource), resource);
  return actionMatches && resourceMatches && conditionHolds(statement.Condition, resourceType);
}

/** Parses a stack policy body, with AWS's error for one that is not a JSON policy. */
export function parseStackPolicy(body: string): Statement[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw validationError('Error validating stack policy: Invalid stack policy');
  }
  const statements = (parsed as { Statement?: unknown })?.Statement;
  if (typeof parsed !== 'object' || parsed === null || statements === undefined) throw validationError('Error validating stack policy: Invalid stack policy');
  return (Array.isArray(statements) ? statements : [statements]) as Statement[];
}

/** Why the policy refuses the action on the resource, in AWS's words; undefined when it allows it. */
export function policyDenial(policyBody: string | null, action: UpdateAction, logicalId: string, resourceType: string): string | undefined {
  if (!policyBody) return undefined;
  const resource = `LogicalResourceId/${logicalId}`;
  const statements = parseStackPolicy(policyBody);
  let allowed = false;
  for (const [index, statement] of statements.entries()) {
    if (!applies(statement, action, resource, resourceType)) continue;
    if (statement.Effect === 'Deny') return `Action denied by stack policy: Statement [#${index}] does not allow [${action}] for resource [${resource}]`;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? undefined : `Action not allowed by stack policy: No statement allows [${action}] for resource [${resource}]`;
}
