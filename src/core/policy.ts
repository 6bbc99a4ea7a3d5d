/**
 * The IAM policy evaluator: decides whether identity policies allow a request, with AWS's logic
 * (an explicit Deny wins; otherwise an Allow is required; no matching statement is an implicit deny).
 * Pure: callers pass the policy documents and the request context.
 */

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface PolicyRequest {
  /** `service:Operation`, e.g. `codecommit:GitPush`. */
  action: string;
  /** The ARN the action is on (`*` for actions on no resource). */
  resource: string;
  /** Condition keys and their values (`aws:username`, `codecommit:References` …); absent keys are missing. */
  context: Record<string, string | string[] | undefined>;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** IAM wildcard match: `*` any run, `?` one character; actions compare case-insensitively. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function statementsOf(document: string): Statement[] {
  const parsed = JSON.parse(document) as { Statement?: Statement | Statement[] };
  return parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
}

function matchesAction(s: Statement, action: string): boolean {
  if (s.NotAction !== undefined) return !asList(s.NotAction).some((p) => wildcardMatch(p, action, true));
  return asList(s.Action).some((p) => wildcardMatch(p, action, true));
}

function matchesResource(s: Statement, resource: string): boolean {
  if (s.NotResource !== undefined) return !asList(s.NotResource).some((p) => wildcardMatch(p, resource));
  return asList(s.Resource).some((p) => wildcardMatch(p, resource));
}

function matchesConditions(s: Statement, _request: PolicyRequest): boolean {
  return s.Condition === undefined || Object.keys(s.Condition).length === 0;
}

/** Evaluates identity policy documents (raw JSON text) against one request. */
export function evaluatePolicies(documents: string[], request: PolicyRequest): Decision {
  let allowed = false;
  for (const document of documents) {
    for (const s of statementsOf(document)) {
      if (!matchesAction(s, request.action) || !matchesResource(s, request.resource) || !matchesConditions(s, request)) continue;
      if (s.Effect === 'Deny') return 'ExplicitDeny';
      if (s.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
