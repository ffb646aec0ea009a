import { Testing } from 'cdktf';
import { loadEnvironments } from '../../lib/config/load';
import type { EnvironmentConfig, EnvironmentConfigInput } from '../../lib/config/schema';
import type { TerraformConfig } from '../../lib/pipeline';
import { M2mAuthStack } from '../../lib/stacks/m2m-auth-stack';
import { environment } from '../fixtures';

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-123456789012';

/** Every shape of environment stack the project synthesizes: the fixture's variants and the shipped config. */
export const FIXTURE_VARIANTS: Readonly<Record<string, Partial<EnvironmentConfigInput>>> = {
  rest: { account: '123456789012' },
  http: { gateway: { type: 'http' } },
  'legacy keys': { legacyApiKeys: { enabled: true, callers: [{ name: 'old-partner', role: 'reader', keySha256: 'c0ffee'.padEnd(64, '0') }] } },
  'custom domain, user client, alarm e-mail': {
    domain: { prefix: 'test-m2m-auth', customDomain: { domainName: 'auth.example.com', certificateArn: CERTIFICATE } },
    userClient: { callbackUrls: ['https://app.example.com/cb'], groupRoles: { readers: 'reader' } },
    alarmEmail: 'alerts@example.com',
  },
  'lambda backend': { gateway: { backend: { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:444455556666:function:orders-api' } } },
  'http backend (REST)': { gateway: { backend: { type: 'http', url: 'https://orders.example.com' } } },
  'http backend (HTTP API)': { gateway: { type: 'http', backend: { type: 'http', url: 'https://orders.example.com' } } },
  'lock table and a state key ARN': {
    stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', lockTable: 'tf-locks', kmsKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/0c5e1f8a-6b36-4a8e-9f61-2d7f3c9b1e11' },
  },
  'GetClientToken clients, no hosted domain': { domain: undefined, m2mClients: [{ name: 'reporting', scopes: ['read'], tokenPaths: ['api'] }] },
  'Terraform Cloud state': { stateBackend: { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-dev' } },
};

/** `[label, config]` of every fixture variant (named dev) and every shipped environment. */
export function allVariants(): Array<[string, EnvironmentConfig]> {
  return [
    ...Object.entries(FIXTURE_VARIANTS).map(([label, overrides]): [string, EnvironmentConfig] => [label, environment(overrides)]),
    ...loadEnvironments({}).map((config): [string, EnvironmentConfig] => [`shipped ${config.name}`, config]),
  ];
}

/** The environment stack's Terraform JSON, as the access stack and the CLI see it. */
export function environmentTerraform(config: EnvironmentConfig): TerraformConfig {
  return new M2mAuthStack(Testing.app(), { config }).toTerraform() as TerraformConfig;
}

/** Actions that only read: what a plan role may hold outside the state lock. */
export const READ_ONLY_ACTION = /^([a-z0-9-]+:(Get|Describe|List)[A-Za-z]*|apigateway:GET)$/;
