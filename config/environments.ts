/**
 * The environments of this deployment: one stack each, named exactly as the keys below
 * (`npx cdktf deploy dev`). Every field is explained in README.md, "Configuration reference";
 * `npm run synth` validates all of them before it writes anything.
 */
import type { EnvironmentConfigInput } from '../lib/config/schema';

const resourceServer: EnvironmentConfigInput['resourceServer'] = {
  identifier: 'api',
  name: 'Orders API',
  scopes: [
    { name: 'read', description: 'Read orders' },
    { name: 'write', description: 'Create and update orders' },
    { name: 'delete', description: 'Delete orders' },
    { name: 'execute', description: 'Run business transactions' },
    { name: 'admin', description: 'Every operation on every route' },
  ],
};

const routes: EnvironmentConfigInput['routes'] = [
  { method: 'GET', path: '/whoami', permission: 'read' },
  { method: 'GET', path: '/orders', permission: 'read' },
  { method: 'GET', path: '/orders/{id}', permission: 'read' },
  { method: 'POST', path: '/orders', permission: 'write' },
  { method: 'PUT', path: '/orders/{id}', permission: 'write' },
  { method: 'DELETE', path: '/orders/{id}', permission: 'delete' },
  { method: 'POST', path: '/orders/{id}/fulfil', permission: 'execute' },
];

/** One app client per calling service, each with the fewest scopes it needs. */
const m2mClients: EnvironmentConfigInput['m2mClients'] = [
  { name: 'billing-batch', description: 'Nightly billing run', scopes: ['read', 'execute'] },
  { name: 'inventory-sync', description: 'Partner inventory backend', scopes: ['read', 'write'] },
  { name: 'retention-job', description: 'Deletes expired orders', scopes: ['delete'], accessTokenValidityMinutes: 15 },
];

const groupRoles = { 'api-readers': 'reader', 'api-writers': 'writer', 'api-admins': 'admin' } as const;

const stateBackend = { type: 's3', bucket: 'example-m2m-auth-tfstate', region: 'eu-west-1', keyPrefix: 'm2m-auth' } as const;

// Placeholders: replace with your own account ids (Terraform then refuses to deploy an environment into the wrong account).
const ACCOUNTS = { dev: '111111111111', staging: '222222222222', prod: '333333333333' } as const;

// Placeholder: the repository whose GitHub Actions plan (pull requests, main) and deploy (the GitHub environment
// named after each environment, on main) through OIDC; npx cdktf deploy pipeline-access-<env> creates the roles.
// Each environment has its own account here, so each creates the account's GitHub OIDC provider.
const pipeline = { github: { repository: 'example-org/m2m-auth' } } as const;

export const environments: Record<string, EnvironmentConfigInput> = {
  dev: {
    region: 'eu-west-1',
    account: ACCOUNTS.dev,
    namePrefix: 'm2m-auth',
    tags: { Owner: 'platform-team', CostCenter: 'platform' },
    resourceServer,
    userPool: { deletionProtection: false },
    domain: { prefix: 'example-m2m-auth-dev' },
    m2mClients,
    userClient: {
      callbackUrls: ['http://localhost:3000/callback', 'https://dev.app.example.com/callback'],
      logoutUrls: ['http://localhost:3000/'],
      groupRoles,
    },
    routes,
    stateBackend,
    pipeline,
  },
  staging: {
    region: 'eu-west-1',
    account: ACCOUNTS.staging,
    namePrefix: 'm2m-auth',
    tags: { Owner: 'platform-team', CostCenter: 'platform' },
    resourceServer,
    userPool: { deletionProtection: false },
    domain: { prefix: 'example-m2m-auth-staging' },
    m2mClients,
    userClient: { callbackUrls: ['https://staging.app.example.com/callback'], groupRoles },
    routes,
    stateBackend,
    alarmEmail: 'platform-alerts@example.com',
    pipeline,
  },
  prod: {
    region: 'eu-west-1',
    account: ACCOUNTS.prod,
    namePrefix: 'm2m-auth',
    tags: { Owner: 'platform-team', CostCenter: 'platform' },
    resourceServer,
    userPool: { deletionProtection: true, mfa: 'required' },
    domain: { prefix: 'example-m2m-auth' },
    m2mClients,
    userClient: { callbackUrls: ['https://app.example.com/callback'], logoutUrls: ['https://app.example.com/'], groupRoles },
    routes,
    stateBackend,
    alarmEmail: 'platform-alerts@example.com',
    pipeline,
  },
};
