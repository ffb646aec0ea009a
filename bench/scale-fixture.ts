/**
 * The environments `npm run bench -- scale` measures: the shipped dev config without its user client
 * (which would be one more app client) and with `count` M2M clients `service-<i>`, as
 * __tests__/scale/thousand-clients.test.ts builds its 1,000; and the client registry file the
 * authorizer would read for them.
 */
import * as fs from 'node:fs';
import { environments } from '../config/environments';
import type { RegistryEntry } from '../lambdas/authorizer/client-registry';
import { validateEnvironments } from '../lib/config/load';
import type { EnvironmentConfig, EnvironmentConfigInput } from '../lib/config/schema';

/** Cognito's app client ids are 26 characters; the registry's ids look like them. */
const CLIENT_ID_LENGTH = 26;

/** The dev config input with `count` M2M clients, each with `read` and every other one with `execute` too. */
export function scaleInput(count: number): EnvironmentConfigInput {
  const { userClient: _userClient, ...shippedDev } = environments.dev;
  return {
    ...shippedDev,
    m2mClients: Array.from({ length: count }, (_, i) => ({ name: `service-${i}`, scopes: i % 2 ? ['read'] : ['read', 'execute'] })),
  };
}

/** The validated config of {@link scaleInput}, as main.ts would see it. */
export function scaleConfig(count: number): EnvironmentConfig {
  const [config] = validateEnvironments({ dev: scaleInput(count) }, {});
  return config;
}

/** Writes `{ environments: { dev } }` for `M2M_AUTH_CONFIG`. */
export function writeScaleConfig(file: string, count: number): void {
  fs.writeFileSync(file, JSON.stringify({ environments: { dev: scaleInput(count) } }));
}

/** A Cognito-like app client id for client `index`. */
export function scaleClientId(index: number): string {
  return `svc${String(index).padStart(CLIENT_ID_LENGTH - 3, '0')}`;
}

/** Writes the registry file (`CLIENT_REGISTRY_FILE`) listing every client of `config`; returns the entries. */
export function writeScaleRegistry(file: string, config: EnvironmentConfig): RegistryEntry[] {
  const entries: RegistryEntry[] = config.m2mClients.map((client, i) => [scaleClientId(i), client.name, client.scopes]);
  fs.writeFileSync(file, JSON.stringify(entries));
  return entries;
}
