/**
 * The rule provider interface: how a stage condition's rule (category Rule, owner AWS, version 1)
 * is checked at CreatePipeline/UpdatePipeline and evaluated while an execution runs. A rule runs
 * like an action, as the pipeline's service role (or the rule's roleArn), with its configuration's
 * `#{…}` variables already resolved, so it gets the same context an action provider gets. It
 * passes by resolving and fails by throwing ActionFailure with the reason, which becomes the rule
 * execution's errorDetails. One provider per file, registered in RULE_PROVIDERS (index.ts).
 */
import type { RuleConfigurationProperty } from '@aws-sdk/client-codepipeline';
import type { ActionContext, ActionResult } from '../../actions/types.js';

export interface RuleProvider {
  /** The provider name of the rule type `Rule/AWS/<provider>/1`. */
  provider: string;
  /** The configuration properties as ListRuleTypes lists them; structure validation requires and allows exactly these. */
  configurationProperties: (RuleConfigurationProperty & { name: string; required: boolean; key: boolean; secret: boolean })[];
  /** Checks declared configuration values beyond their names (an operator, a cron expression); answers what is wrong. */
  validate?(configuration: Record<string, string>): string | undefined;
  /** Evaluates the rule: resolves when it passes, throws ActionFailure saying why when it fails. */
  evaluate(ctx: ActionContext): Promise<Pick<ActionResult, 'summary' | 'externalExecutionId'>>;
}
