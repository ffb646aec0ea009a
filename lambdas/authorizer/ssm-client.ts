import type { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';

interface Ssm {
  readonly client: SSMClient;
  readonly GetParameterCommand: typeof GetParameterCommand;
  readonly GetParametersCommand: typeof GetParametersCommand;
}

let ssm: Ssm | undefined;

/**
 * The SSM client shared by the deny-list and the client registry. The SDK ships with the Lambda runtime
 * (external to the bundle) and is loaded on first use, which keeps module start-up fast.
 *
 * @example
 * const { client, GetParameterCommand } = ssmClient();
 */
export function ssmClient(): Ssm {
  if (!ssm) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
    ssm = { client: new sdk.SSMClient({ maxAttempts: 2 }), GetParameterCommand: sdk.GetParameterCommand, GetParametersCommand: sdk.GetParametersCommand };
  }
  return ssm;
}
