/** What ValidateTemplate and GetTemplateSummary answer about a template, and the capabilities it needs. */
import type { Capability, GetTemplateSummaryOutput, ValidateTemplateOutput } from '@aws-sdk/client-cloudformation';
import type { ParameterDeclaration, Template } from './types.js';

const IAM_TYPES = new Set([
  'AWS::IAM::AccessKey',
  'AWS::IAM::Group',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::IAM::UserToGroupAddition',
]);

/** The property that gives each IAM type a custom name, which makes it need CAPABILITY_NAMED_IAM. */
const IAM_NAME_PROPERTIES: Record<string, string> = {
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
};

function declaredTransforms(template: Template): string[] {
  const transform = template.Transform;
  if (transform === undefined) return [];
  return (Array.isArray(transform) ? transform : [transform]).map((entry) => (typeof entry === 'string' ? entry : entry.Name));
}

/** The capabilities a stack with this template must be given, and AWS's reason (the resource types or transforms that need them). */
export function requiredCapabilities(template: Template): { capabilities: Capability[]; reason?: string } {
  const transforms = declaredTransforms(template);
  if (transforms.length > 0) {
    return { capabilities: ['CAPABILITY_AUTO_EXPAND'], reason: `The following resource(s) require capabilities: [${transforms.join(', ')}]` };
  }
  const iamTypes = new Set<string>();
  let named = false;
  for (const resource of Object.values(template.Resources)) {
    if (!IAM_TYPES.has(resource.Type)) continue;
    iamTypes.add(resource.Type);
    const nameProperty = IAM_NAME_PROPERTIES[resource.Type];
    if (nameProperty && resource.Properties?.[nameProperty] !== undefined) named = true;
  }
  if (iamTypes.size === 0) return { capabilities: [] };
  return {
    capabilities: [named ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM'],
    reason: `The following resource(s) require capabilities: [${[...iamTypes].join(', ')}]`,
  };
}

function defaultText(declaration: ParameterDeclaration): string | undefined {
  const fallback = declaration.Default;
  if (fallback === undefined || fallback === null) return undefined;
  return Array.isArray(fallback) ? fallback.join(',') : String(fallback);
}

function isNoEcho(declaration: ParameterDeclaration): boolean {
  return String(declaration.NoEcho ?? 'false').toLowerCase() === 'true';
}

export function validateTemplateOutput(template: Template): ValidateTemplateOutput {
  const { capabilities, reason } = requiredCapabilities(template);
  return {
    Parameters: Object.entries(template.Parameters ?? {}).map(([key, declaration]) => ({
      ParameterKey: key,
      DefaultValue: defaultText(declaration),
      NoEcho: isNoEcho(declaration),
      Description: declaration.Description,
    })),
    Description: template.Description,
    Capabilities: capabilities,
    CapabilitiesReason: reason,
    DeclaredTransforms: declaredTransforms(template),
  };
}

/**
 * GetTemplateSummary's answer. `importIdentifiers` gives the properties that identify an existing
 * resource of a type for import (ResourceIdentifierSummaries), empty for a type that cannot be imported.
 */
export function templateSummaryOutput(template: Template, importIdentifiers: (type: string) => string[]): GetTemplateSummaryOutput {
  const { capabilities, reason } = requiredCapabilities(template);
  const logicalIdsByType = new Map<string, string[]>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    logicalIdsByType.set(resource.Type, [...(logicalIdsByType.get(resource.Type) ?? []), logicalId]);
  }
  return {
    Parameters: Object.entries(template.Parameters ?? {}).map(([key, declaration]) => ({
      ParameterKey: key,
      DefaultValue: defaultText(declaration),
      ParameterType: declaration.Type,
      NoEcho: isNoEcho(declaration),
      Description: declaration.Description,
      ParameterConstraints: { AllowedValues: declaration.AllowedValues?.map(String) },
    })),
    Description: template.Description,
    Capabilities: capabilities,
    CapabilitiesReason: reason,
    ResourceTypes: [...logicalIdsByType.keys()],
    Version: template.AWSTemplateFormatVersion,
    Metadata: template.Metadata === undefined ? undefined : JSON.stringify(template.Metadata),
    DeclaredTransforms: declaredTransforms(template),
    ResourceIdentifierSummaries: [...logicalIdsByType]
      .map(([type, logicalIds]) => ({ ResourceType: type, LogicalResourceIds: logicalIds, ResourceIdentifiers: importIdentifiers(type) }))
      .filter((summary) => summary.ResourceIdentifiers.length > 0),
  };
}
