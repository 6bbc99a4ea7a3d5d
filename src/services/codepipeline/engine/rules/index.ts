/** The rule providers Drydock runs, by provider name, and AWS's rule types it accepts without running them. */
import { cloudWatchAlarm } from './cloudwatch-alarm.js';
import { codeBuild } from './codebuild.js';
import { deploymentWindow } from './deployment-window.js';
import { lambdaInvoke } from './lambda-invoke.js';
import type { RuleProvider } from './types.js';
import { variableCheck } from './variable-check.js';

export const RULE_PROVIDERS = new Map<string, RuleProvider>([cloudWatchAlarm, codeBuild, deploymentWindow, lambdaInvoke, variableCheck].map((p) => [p.provider, p]));

/** AWS's rule types (version 1) Drydock has no provider for: valid structure, as AWS accepts them; they fail when they run. */
export const AWS_RULES_WITHOUT_PROVIDER = new Set(['Commands']);

/** The only rules an entry condition with the SKIP result may use, as AWS's rule reference says. */
export const SKIP_RULES = new Set(['LambdaInvoke', 'VariableCheck']);
