/**
 * The template's Rules section: each rule's RuleCondition (absent: always) and Assertions, checked
 * against the parameter values once they are resolved, before any resource is touched, as
 * CreateStack, UpdateStack and CreateChangeSet do. The rule functions are Fn::And, Fn::Or, Fn::Not,
 * Fn::Equals, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::RefAll, Fn::ValueOf and
 * Fn::ValueOfAll over `Ref`s to parameters and pseudo parameters. A failed assertion is refused
 * with its AssertDescription, as AWS answers it (the CDK's CheckBootstrapVersion rule says
 * "CDK bootstrap stack version 6 required. …").
 *
 * Fn::RefAll, Fn::ValueOf and Fn::ValueOfAll look up EC2-like resources (VPCs, subnets, security
 * groups …) of the account, of which Drydock has none: RefAll and ValueOfAll answer an empty list,
 * and ValueOf, whose parameter must name such a resource, fails as for a resource that is not there.
 */
import { formatError, templateError, validationError } from './errors.js';
import { evaluate, intrinsicName } from './intrinsics.js';
import type { EvaluationContext, PseudoParameters, ResolvedParameter, Template } from './types.js';

interface Assertion {
  Assert?: unknown;
  AssertDescription?: unknown;
}

interface Rule {
  RuleCondition?: unknown;
  Assertions?: Assertion[];
}

const RULE_FUNCTIONS = new Set(['Fn::And', 'Fn::Or', 'Fn::Not', 'Fn::Equals', 'Fn::Contains', 'Fn::EachMemberEquals', 'Fn::EachMemberIn', 'Fn::RefAll', 'Fn::ValueOf', 'Fn::ValueOfAll', 'Ref']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The template's rules after the structural checks ValidateTemplate also runs. */
function rulesOf(template: Template): [string, Rule][] {
  return Object.entries(template.Rules ?? {}).map(([name, rule]) => {
    if (!isObject(rule)) throw formatError(`Every Rules member must be an object: ${name}`);
    const assertions = rule.Assertions;
    if (!Array.isArray(assertions) || assertions.length === 0) throw formatError(`Rule ${name} must contain a non-empty Assertions list`);
    for (const assertion of assertions) {
      if (!isObject(assertion) || assertion.Assert === undefined) throw formatError(`Every Assertions member of rule ${name} must contain an Assert`);
    }
    return [name, rule as Rule];
  });
}

/** ValidateTemplate's check of the Rules section: its shape and the functions it uses. */
export function checkRuleSyntax(template: Template): void {
  for (const [name, rule] of rulesOf(template)) {
    for (const value of [rule.RuleCondition, ...(rule.Assertions ?? []).map((assertion) => assertion.Assert)]) checkFunctions(name, value);
  }
}

function checkFunctions(rule: string, value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) checkFunctions(rule, item);
    return;
  }
  if (!isObject(value)) return;
  const name = intrinsicName(value);
  if (!name || !RULE_FUNCTIONS.has(name)) throw templateError(`Unsupported function ${Object.keys(value)[0]} in rule ${rule}`);
  checkFunctions(rule, value[name]);
}

/** The values a rule function works on, with `Ref`s to parameters and pseudo parameters resolved. */
function ruleValue(value: unknown, context: EvaluationContext): unknown {
  if (Array.isArray(value)) return value.map((item) => ruleValue(item, context));
  const name = intrinsicName(value);
  if (!name) return value;
  const argument = (value as Record<string, unknown>)[name];
  switch (name) {
    case 'Ref':
      return evaluate(value, context);
    case 'Fn::RefAll':
    case 'Fn::ValueOfAll':
      return [];
    case 'Fn::ValueOf': {
      const parameter = Array.isArray(argument) ? argument[0] : undefined;
      const given = typeof parameter === 'string' ? context.parameters[parameter] : undefined;
      if (!given) throw templateError(`Fn::ValueOf requires a list of a parameter name and an attribute`);
      throw validationError(`The resource '${given.value}' of parameter ${given.key} does not exist`);
    }
    default:
      return ruleHolds(value, context);
  }
}

function strings(value: unknown, function_: string): string[] {
  if (!Array.isArray(value)) throw templateError(`${function_} requires lists of strings`);
  return value.map(String);
}

/** A rule function or literal to a boolean. */
function ruleHolds(value: unknown, context: EvaluationContext): boolean {
  const name = intrinsicName(value);
  const argument = name ? (value as Record<string, unknown>)[name] : undefined;
  const pair = () => {
    if (!Array.isArray(argument) || argument.length !== 2) throw templateError(`${name} requires a list argument with two elements`);
    return argument.map((side) => ruleValue(side, context));
  };
  switch (name) {
    case 'Fn::Equals': {
      const [left, right] = pair();
      return JSON.stringify(left) === JSON.stringify(right) || String(left) === String(right);
    }
    case 'Fn::Not': {
      if (!Array.isArray(argument) || argument.length !== 1) throw templateError('Fn::Not requires a list argument with one element');
      return !ruleHolds(argument[0], context);
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(argument) || argument.length < 2 || argument.length > 10) {
        throw templateError(`every ${name} object requires a list of at least 2 and at most 10 boolean parameters.`);
      }
      const results = argument.map((item) => ruleHolds(item, context));
      return name === 'Fn::And' ? results.every(Boolean) : results.some(Boolean);
    }
    case 'Fn::Contains': {
      const [list, member] = pair();
      return strings(list, name).includes(String(member));
    }
    case 'Fn::EachMemberEquals': {
      const [list, member] = pair();
      return strings(list, name).every((item) => item === String(member));
    }
    case 'Fn::EachMemberIn': {
      const [checked, allowed] = pair();
      const permitted = new Set(strings(allowed, name));
      return strings(checked, name).every((item) => permitted.has(item));
    }
    default: {
      const literal = name === 'Ref' ? ruleValue(value, context) : value;
      if (literal === true || literal === 'true') return true;
      if (literal === false || literal === 'false') return false;
      throw templateError(`Rule conditions and assertions must be boolean rule functions`);
    }
  }
}

/**
 * Checks every rule whose RuleCondition holds against the resolved parameters; a failed assertion
 * is a ValidationError with its AssertDescription (Drydock's words when the assertion has none).
 */
export function checkRules(template: Template, parameters: Record<string, ResolvedParameter>, pseudo: PseudoParameters): void {
  const rules = rulesOf(template);
  if (rules.length === 0) return;
  const unavailable = (): never => {
    throw templateError('Rules can refer only to parameters and pseudo parameters');
  };
  const context: EvaluationContext = {
    pseudo,
    parameters,
    conditions: {},
    resourceRef: unavailable,
    resourceAttribute: unavailable,
    importValue: unavailable,
    availabilityZones: unavailable,
  };
  for (const [name, rule] of rules) {
    if (rule.RuleCondition !== undefined && !ruleHolds(rule.RuleCondition, context)) continue;
    for (const assertion of rule.Assertions ?? []) {
      if (ruleHolds(assertion.Assert, context)) continue;
      const description = typeof assertion.AssertDescription === 'string' ? assertion.AssertDescription : `Assertion failed for rule ${name}`;
      throw validationError(description);
    }
  }
}
