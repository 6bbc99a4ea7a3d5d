/** The one place ARNs are built and taken apart. */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export const PARTITION = 'aws';

export function arn(service: string, region: string, account: string, resource: string): string {
  return `arn:${PARTITION}:${service}:${region}:${account}:${resource}`;
}

/** Parses an ARN; undefined when the text is not one. */
export function parseArn(text: string): ArnParts | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !parts[1] || !parts[2]) return undefined;
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
}
