/**
 * The contract between the template layer (`template/`) and the stack engine (`engine/`): the
 * parsed template, and what the engine must supply to evaluate it. The template layer is pure: it
 * parses, validates and evaluates; it never calls a service itself (dynamic references and
 * `AWS::SSM::Parameter::Value<…>` parameters are resolved through callbacks the engine passes).
 */

/** A template value before evaluation: JSON, with intrinsics as `{ "Ref": … }` / `{ "Fn::…": … }` objects (YAML short forms are parsed into these). */
export type TemplateValue = unknown;

export interface ParameterDeclaration {
  Type: string;
  Default?: string | number | string[];
  AllowedValues?: (string | number)[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  ConstraintDescription?: string;
  Description?: string;
  NoEcho?: boolean | 'true' | 'false';
}

export interface ResourceDeclaration {
  Type: string;
  Properties?: Record<string, TemplateValue>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  CreationPolicy?: TemplateValue;
  UpdatePolicy?: TemplateValue;
  Metadata?: TemplateValue;
}

export interface OutputDeclaration {
  Value: TemplateValue;
  Description?: TemplateValue;
  Condition?: string;
  Export?: { Name: TemplateValue };
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: Record<string, TemplateValue>;
  Transform?: string | (string | { Name: string; Parameters?: Record<string, unknown> })[];
  Parameters?: Record<string, ParameterDeclaration>;
  Rules?: Record<string, TemplateValue>;
  Mappings?: Record<string, Record<string, Record<string, TemplateValue>>>;
  Conditions?: Record<string, TemplateValue>;
  Resources: Record<string, ResourceDeclaration>;
  Outputs?: Record<string, OutputDeclaration>;
}

/** The pseudo parameters of one stack operation. */
export interface PseudoParameters {
  accountId: string;
  region: string;
  partition: string;
  urlSuffix: string;
  stackId: string;
  stackName: string;
  notificationArns: string[];
}

/** A parameter as CreateStack/UpdateStack/CreateChangeSet pass it. */
export interface ParameterInput {
  ParameterKey?: string;
  ParameterValue?: string;
  UsePreviousValue?: boolean;
}

/** A parameter after validation: the value Ref returns, and what DescribeStacks shows. */
export interface ResolvedParameter {
  key: string;
  /** The value as given (a string; a comma-delimited list for list types), shown as ParameterValue (`****` when NoEcho). */
  value: string;
  /** What `Ref` returns: a string, or a string array for List<…>/CommaDelimitedList, the SSM value for AWS::SSM::Parameter::Value<…>. */
  refValue: string | string[];
  /** For AWS::SSM::Parameter::Value<…> types: the resolved value, shown as ResolvedValue. */
  resolvedValue?: string;
  noEcho: boolean;
}

/** What evaluating a template against a stack's state needs from the engine. */
export interface EvaluationContext {
  pseudo: PseudoParameters;
  parameters: Record<string, ResolvedParameter>;
  conditions: Record<string, boolean>;
  /** The template's Mappings, for `Fn::FindInMap` (absent: every FindInMap fails as an unknown mapping). */
  mappings?: Template['Mappings'];
  /** `Ref` to a resource: its physical id; undefined when the resource has none yet (a change set then shows a Dynamic value). */
  resourceRef(logicalId: string): string | undefined;
  /** `Fn::GetAtt`: the attribute's value; undefined when not known yet. Throws AwsError when the attribute does not exist for the type. */
  resourceAttribute(logicalId: string, attribute: string): unknown;
  /** `Fn::ImportValue`: the export's value; throws AwsError ValidationError "No export named X found." when absent. */
  importValue(name: string): string;
  /** `Fn::GetAZs`. */
  availabilityZones(region: string): string[];
}

/** Looks up values the template layer cannot reach itself: SSM parameters (types and `{{resolve:ssm…}}`) and Secrets Manager secrets. */
export interface ExternalValues {
  ssmParameter(name: string, version?: string, decrypt?: boolean): Promise<string>;
  secret(secretId: string, options: { jsonKey?: string; versionStage?: string; versionId?: string }): Promise<string>;
}
