/**
 * The environment configuration schema. Every field is documented in README.md ("Configuration
 * reference"); the rules here are the ones Cognito, S3 and the SPEC impose, checked before anything
 * is synthesized so that a bad config never produces half-written Terraform.
 */
import { z } from 'zod';
import { DENY_REASONS } from '../../lambdas/authorizer/reasons';
import { TOKEN_PATHS } from '../../lambdas/client-token-flow/token-paths';
import {
  HTTP_METHODS,
  PERMISSIONS,
  PERMISSION_METHODS,
  ROLES,
  STANDARD_SCOPE_ROLES,
  type Role,
} from '../../lambdas/authorizer/permission-model';
import { PIPELINE_ACCESS_WORKSPACE_SUFFIX, pipelineSchema, TFC_DEFAULT_HOSTNAME } from './pipeline-schema';

/** Cognito: an access token lives between 5 minutes and 1 day. */
export const ACCESS_TOKEN_MINUTES = { min: 5, max: 24 * 60, default: 60, withoutOptIn: 60 } as const;

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,30}$/;
// Cognito's patterns for ScopeName, resource server Identifier and group names.
const COGNITO_SCOPE_NAME = /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$/;
const COGNITO_RS_IDENTIFIER = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;
const COGNITO_GROUP_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const KEBAB_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ROUTE_PATH = /^\/$|^(\/([A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\}))+$/;

const domainPrefix = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, {
    error: 'must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (Cognito rule)',
  })
  .refine((value) => !/aws|amazon|cognito/.test(value), {
    error: 'must not contain "aws", "amazon" or "cognito" (Cognito reserves them); choose another prefix',
  });

const accessTokenValidityMinutes = z
  .number()
  .int({ error: 'must be a whole number of minutes' })
  .min(ACCESS_TOKEN_MINUTES.min, { error: 'must be between 5 minutes and 1 day (1440)' })
  .max(ACCESS_TOKEN_MINUTES.max, { error: 'must be between 5 minutes and 1 day (1440)' })
  .default(ACCESS_TOKEN_MINUTES.default);

const scopeSchema = z.strictObject({
  name: z.string().regex(COGNITO_SCOPE_NAME, {
    error: 'scope names are 1-256 printable ASCII characters without space, ", / or \\ (Cognito rule)',
  }),
  description: z.string().min(1).max(256),
  role: z.enum(ROLES).optional(),
});

/**
 * Cognito's quotas that the config can run into, by the names AWS gives them ("Quotas in Amazon
 * Cognito"; see docs/scale.md for the sources), so that a problem says which quota to raise.
 */
export const COGNITO_QUOTAS = {
  /** "App clients per user pool": 1,000 by default, adjustable up to 10,000. */
  appClientsPerUserPool: 1000,
  appClientsPerUserPoolMax: 10_000,
  /** "Custom scopes per resource server": 100, not adjustable. */
  scopesPerResourceServer: 100,
  /** "Scopes per app client": 50, not adjustable. */
  scopesPerAppClient: 50,
} as const;

const resourceServerSchema = z.strictObject({
  identifier: z.string().regex(COGNITO_RS_IDENTIFIER, {
    error: 'must be 1-256 printable ASCII characters without space, " or \\ (Cognito rule)',
  }),
  name: z.string().min(1).max(256),
  scopes: z
    .array(scopeSchema)
    .min(1, { error: 'declare at least one scope' })
    .max(COGNITO_QUOTAS.scopesPerResourceServer, { error: `at most ${COGNITO_QUOTAS.scopesPerResourceServer}: Cognito's quota "Custom scopes per resource server" (not adjustable)` }),
});


const userPoolSchema = z
  .strictObject({
    deletionProtection: z.boolean().default(true),
    mfa: z.enum(['off', 'optional', 'required']).default('optional'),
    // The account's "App clients per user pool" quota, when it was raised in Service Quotas.
    appClientQuota: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(1)
      .max(COGNITO_QUOTAS.appClientsPerUserPoolMax, { error: `at most ${COGNITO_QUOTAS.appClientsPerUserPoolMax}, the most Cognito's "App clients per user pool" quota can be raised to` })
      .default(COGNITO_QUOTAS.appClientsPerUserPool),
  })
  .default({ deletionProtection: true, mfa: 'optional', appClientQuota: COGNITO_QUOTAS.appClientsPerUserPool });

const domainSchema = z.strictObject({
  prefix: domainPrefix,
  customDomain: z
    .strictObject({
      domainName: z.string().regex(/^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, {
        error: 'must be a lowercase fully qualified domain name such as auth.example.com',
      }),
      certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/, {
        error: 'must be an ACM certificate ARN in us-east-1 (Cognito custom domains use CloudFront)',
      }),
    })
    .optional(),
});

// How an M2M client gets its tokens (`oauth2`, `api`): defined beside the function that sets GetClientToken's flow.
export { TOKEN_PATHS, type TokenPath } from '../../lambdas/client-token-flow/token-paths';

const m2mClientSchema = z.strictObject({
  name: z.string().max(40).regex(KEBAB_NAME, { error: 'must be kebab-case: lowercase letters, digits and single hyphens' }),
  description: z.string().max(256).optional(),
  scopes: z
    .array(z.string())
    .min(1, { error: 'a client needs at least one scope' })
    .max(COGNITO_QUOTAS.scopesPerAppClient, { error: `at most ${COGNITO_QUOTAS.scopesPerAppClient}: Cognito's quota "Scopes per app client" (not adjustable)` }),
  accessTokenValidityMinutes,
  allowAccessTokenValidityOverOneHour: z.boolean().default(false),
  tokenPaths: z
    .array(z.enum(TOKEN_PATHS, { error: 'must be "oauth2" (the token endpoint) or "api" (GetClientToken)' }))
    .min(1, { error: 'a client needs at least one token path: "oauth2", "api" or both' })
    .refine((paths) => new Set(paths).size === paths.length, { error: 'each token path once' })
    .default(['oauth2']),
});

const userClientSchema = z.strictObject({
  callbackUrls: z.array(z.url()).min(1, { error: 'the authorization code flow needs at least one callback URL' }),
  logoutUrls: z.array(z.url()).default([]),
  groupRoles: z
    .record(
      z.string().regex(COGNITO_GROUP_NAME, { error: 'Cognito group names are 1-128 characters without spaces' }),
      z.enum(ROLES),
    )
    .default({}),
  // openid, email and profile count against the client's quota too.
  scopes: z
    .array(z.string())
    .max(COGNITO_QUOTAS.scopesPerAppClient - 3, { error: `at most ${COGNITO_QUOTAS.scopesPerAppClient - 3}: Cognito's quota "Scopes per app client" (${COGNITO_QUOTAS.scopesPerAppClient}, not adjustable) less openid, email and profile` })
    .default([]),
  accessTokenValidityMinutes,
  allowAccessTokenValidityOverOneHour: z.boolean().default(false),
});

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const authorizerSchema = z
  .strictObject({
    memoryMb: z.number().int().min(128).max(10240).default(256),
    revocationRefreshSeconds: z.number().int().min(1).max(3600).default(60),
    revocationMaxStaleSeconds: z.number().int().min(1).max(86400).default(300),
    decisionCacheSize: z.number().int().min(100).max(1_000_000).default(10_000),
  })
  .refine((a) => a.revocationMaxStaleSeconds >= a.revocationRefreshSeconds, {
    error: 'revocationMaxStaleSeconds must be at least revocationRefreshSeconds',
    path: ['revocationMaxStaleSeconds'],
  })
  .default({ memoryMb: 256, revocationRefreshSeconds: 60, revocationMaxStaleSeconds: 300, decisionCacheSize: 10_000 });

/** A discriminated union's message for an unknown `type`; other issues (a missing object) keep the plain wording. */
function typeMustBe(choices: string): z.core.$ZodErrorMap {
  return (issue) => (issue.code === 'invalid_union' ? `type must be ${choices}` : undefined);
}

const backendSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('sample') }),
    z.strictObject({
      type: z.literal('lambda'),
      functionArn: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/, {
        error: 'must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)',
      }),
    }),
    z.strictObject({
      type: z.literal('http'),
      url: z.url({ protocol: /^https$/, error: 'must be an https:// URL; the gateway proxies each route to <url><path>' }),
    }),
  ],
  { error: typeMustBe('"sample", "lambda" or "http"') },
);

const gatewaySchema = z
  .strictObject({
    type: z.enum(['rest', 'http']).default('rest'),
    resultCacheTtlSeconds: z.number().int().min(0).max(3600).default(300),
    throttling: z
      .strictObject({ rateLimit: z.number().positive().max(10_000).default(100), burstLimit: z.number().int().min(1).max(5_000).default(200) })
      .default({ rateLimit: 100, burstLimit: 200 }),
    backend: backendSchema.default({ type: 'sample' }),
    // REST access logs need the account-wide CloudWatch role; owning it by default makes a first deploy in a fresh account work.
    manageAccountLoggingRole: z.boolean().default(true),
  })
  .default({ type: 'rest', resultCacheTtlSeconds: 300, throttling: { rateLimit: 100, burstLimit: 200 }, backend: { type: 'sample' }, manageAccountLoggingRole: true });

// Faults only: the authorizer or what it depends on is broken, and every caller is refused. Ordinary
// 401/403 reasons (bad_signature, expired, insufficient_scope, ...) are on the dashboard, and any of them
// can be given a threshold here on purpose (a security team may want one on bad_signature).
const DEFAULT_DENIAL_THRESHOLDS = {
  jwks_unavailable: 1,
  revocation_unavailable: 1,
  registry_unavailable: 1,
  misconfigured: 1,
  internal_error: 1,
};

const monitoringSchema = z
  .strictObject({
    // Faults only (timeouts, crashes, init failures): a 401 for a bad token is the authorizer working.
    authorizerFaults: z.number().int().min(1).default(1),
    authorizerThrottles: z.number().int().min(1).default(1),
    authorizerP99Ms: z.number().int().min(10).max(30_000).default(1000),
    api5xxRatePercent: z.number().positive().max(100).default(1),
    denialThresholds: z.partialRecord(z.enum(DENY_REASONS), z.number().int().min(1)).default(DEFAULT_DENIAL_THRESHOLDS),
    // One billed custom metric per client when true; calls per client come from a Contributor Insights rule when false.
    perClientMetrics: z.boolean().default(false),
  })
  .default({ authorizerFaults: 1, authorizerThrottles: 1, authorizerP99Ms: 1000, api5xxRatePercent: 1, denialThresholds: DEFAULT_DENIAL_THRESHOLDS, perClientMetrics: false });

/**
 * Fields that were renamed (dotted path, array indices as `[]`): an old name gets a message that
 * names the new one instead of "unknown field".
 */
export const RENAMED_FIELDS: Readonly<Record<string, { readonly to: string; readonly why: string }>> = {
  'monitoring.authorizerErrors': { to: 'authorizerFaults', why: 'ordinary 401s no longer count as errors' },
};

const legacyApiKeysSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    callers: z
      .array(
        z.strictObject({
          name: z.string().max(40).regex(KEBAB_NAME, { error: 'must be kebab-case: lowercase letters, digits and single hyphens' }),
          role: z.enum(ROLES),
          keySha256: z.string().regex(/^[0-9a-f]{64}$/, {
            error: 'must be the hex SHA-256 of the key (printf %s "$KEY" | sha256sum), never the key itself',
          }),
        }),
      )
      .default([]),
  })
  .default({ enabled: false, callers: [] });

const routeSchema = z.strictObject({
  method: z.enum(HTTP_METHODS),
  path: z.string().regex(ROUTE_PATH, {
    error: 'must be an absolute path of literal segments and {param} (or a final {param+}), e.g. /orders/{id}',
  }),
  permission: z.enum(PERMISSIONS),
});

/**
 * The KMS key that encrypts an S3 state bucket unless `stateBackend.kmsKeyId` names another:
 * `alias/<bucket>-state`, dots turned into hyphens (KMS alias names have no dots). The
 * state-bootstrap stack creates a customer-managed key under this alias for each bucket.
 *
 * @example
 * defaultStateKeyAlias('acme.tfstate'); // 'alias/acme-tfstate-state'
 */
export function defaultStateKeyAlias(bucket: string): string {
  return `alias/${bucket.replace(/\./g, '-')}-state`;
}

// Forms the S3 backend and S3 accept: key ARN (single- or multi-Region), alias ARN, alias name.
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/([0-9a-f-]{36}|mrk-[0-9a-f]{32})|alias\/[A-Za-z0-9/_-]+)$/;
const KMS_ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]+$/;

const s3BackendSchema = z
  .strictObject({
    type: z.literal('s3'),
    bucket: z.string().regex(/^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      error: 'must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)',
    }),
    region: z.string().regex(AWS_REGION, { error: 'must be an AWS region such as eu-west-1' }),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, { error: "must be S3 key segments joined by /, each of letters, digits and !_.*'()-" })
      .default('m2m-auth'),
    // Deprecated by Terraform 1.11 in favour of use_lockfile (always on); see configWarnings.
    lockTable: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: 'must be a DynamoDB table name: 3-255 letters, digits, _, . and -' }).optional(),
    kmsKeyId: z
      .string()
      .refine((id) => KMS_KEY_ARN.test(id) || KMS_ALIAS_NAME.test(id), {
        error: 'must be a KMS key ARN, an alias ARN or an alias name such as alias/my-state-key (in the bucket\'s region)',
      })
      .optional(),
  })
  .transform((backend) => ({ ...backend, kmsKeyId: backend.kmsKeyId ?? defaultStateKeyAlias(backend.bucket) }));

const cloudBackendSchema = z.strictObject({
  type: z.literal('cloud'),
  organization: z.string().min(1),
  workspace: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, { error: 'Terraform Cloud workspace names are letters, digits, - and _' }),
  hostname: z.string().default('app.terraform.io'),
});

export const stateBackendSchema = z.discriminatedUnion('type', [s3BackendSchema, cloudBackendSchema], {
  error: typeMustBe('"s3" or "cloud"'),
});

export const environmentSchema = z
  .strictObject({
    region: z.string().regex(AWS_REGION, { error: 'must be an AWS region such as eu-west-1' }),
    account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }).optional(),
    namePrefix: z.string().max(20).regex(KEBAB_NAME, { error: 'must be kebab-case, at most 20 characters' }),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    resourceServer: resourceServerSchema,
    userPool: userPoolSchema,
    // The hosted domain serves /oauth2/token and the user client's sign-in; without either, none is created.
    domain: domainSchema.optional(),
    m2mClients: z.array(m2mClientSchema).default([]),
    // Days a deleted client secret can be restored; default set by the transform below.
    secretRecoveryWindowDays: z
      .number()
      .refine((days) => days === 0 || (Number.isInteger(days) && days >= 7 && days <= 30), {
        error: 'must be 0 (delete at once) or 7..30 days (the recovery windows Secrets Manager allows)',
      })
      .optional(),
    // Days between automatic rotations of every client secret (Secrets Manager allows 1..1000).
    secretRotationDays: z
      .number()
      .int({ error: 'must be a whole number of days' })
      .min(1, { error: 'must be at least 1 day' })
      .max(365, { error: 'must be at most 365 days: a secret older than a year defeats the point of rotating it' })
      .default(90),
    userClient: userClientSchema.optional(),
    routes: z.array(routeSchema).min(1, { error: 'declare at least one route' }),
    stateBackend: stateBackendSchema,
    alarmEmail: z.email({ error: 'must be an e-mail address' }).optional(),
    authorizer: authorizerSchema,
    gateway: gatewaySchema,
    monitoring: monitoringSchema,
    legacyApiKeys: legacyApiKeysSchema,
    logRetentionDays: z
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), { error: `must be one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}` })
      .default(90),
    pipeline: pipelineSchema.optional(),
  })
  .superRefine((env, ctx) => {
    const declared = new Map(env.resourceServer.scopes.map((scope) => [scope.name, scope]));
    const declaredList = [...declared.keys()].join(', ');
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    env.resourceServer.scopes.forEach((scope, i) => {
      if (env.resourceServer.scopes.findIndex((other) => other.name === scope.name) !== i) {
        issue(['resourceServer', 'scopes', i, 'name'], 'duplicate scope name; each scope is declared once');
      }
      if (!scope.role && !(scope.name in STANDARD_SCOPE_ROLES)) {
        issue(
          ['resourceServer', 'scopes', i, 'role'],
          `scope "${scope.name}" is not a standard scope (${Object.keys(STANDARD_SCOPE_ROLES).join(', ')}); set role to one of ${ROLES.join(', ')}`,
        );
      }
    });

    const checkScopes = (scopes: readonly string[], path: PropertyKey[]) =>
      scopes.forEach((scope, j) => {
        if (!declared.has(scope)) {
          issue([...path, j], `unknown scope: the resource server declares ${declaredList}; declare it in resourceServer.scopes or remove it (use the bare name, without "${env.resourceServer.identifier}/")`);
        }
      });
    const checkValidity = (client: { accessTokenValidityMinutes: number; allowAccessTokenValidityOverOneHour: boolean }, path: PropertyKey[]) => {
      const minutes = client.accessTokenValidityMinutes;
      if (minutes > ACCESS_TOKEN_MINUTES.withoutOptIn && minutes <= ACCESS_TOKEN_MINUTES.max && !client.allowAccessTokenValidityOverOneHour) {
        issue([...path, 'accessTokenValidityMinutes'], 'access tokens live 1 hour (60) at most unless allowAccessTokenValidityOverOneHour is true');
      }
    };

    env.m2mClients.forEach((client, i) => {
      if (env.m2mClients.findIndex((other) => other.name === client.name) !== i) {
        issue(['m2mClients', i, 'name'], 'duplicate client name; each calling service gets exactly one client');
      }
      checkScopes(client.scopes, ['m2mClients', i, 'scopes']);
      checkValidity(client, ['m2mClients', i]);
    });
    if (!env.domain) {
      if (env.userClient) issue(['domain'], 'required: the user client signs users in on the hosted domain');
      env.m2mClients.forEach((client, i) => {
        if (client.tokenPaths.includes('oauth2')) {
          issue(['m2mClients', i, 'tokenPaths'], `"oauth2" needs the hosted domain (its /oauth2/token): set domain, or give ${client.name} tokenPaths ["api"] (GetClientToken, no domain)`);
        }
      });
    }
    if (env.userClient) {
      checkScopes(env.userClient.scopes, ['userClient', 'scopes']);
      checkValidity(env.userClient, ['userClient']);
    }

    const appClients = env.m2mClients.length + (env.userClient ? 1 : 0);
    if (appClients > env.userPool.appClientQuota) {
      issue(
        ['m2mClients'],
        `${appClients} app clients (${env.m2mClients.length} M2M${env.userClient ? ' + the user client' : ''}) exceed Cognito's quota "App clients per user pool" (${env.userPool.appClientQuota}${env.userPool.appClientQuota === COGNITO_QUOTAS.appClientsPerUserPool ? ', the default' : ''}); it can be raised to ${COGNITO_QUOTAS.appClientsPerUserPoolMax} in Service Quotas, then set userPool.appClientQuota to the new value`,
      );
    }

    env.legacyApiKeys.callers.forEach((caller, i) => {
      if (env.legacyApiKeys.callers.findIndex((other) => other.name === caller.name) !== i) {
        issue(['legacyApiKeys', 'callers', i, 'name'], 'duplicate caller name; each legacy caller is listed once');
      }
      if (env.legacyApiKeys.callers.findIndex((other) => other.keySha256 === caller.keySha256) !== i) {
        issue(['legacyApiKeys', 'callers', i, 'keySha256'], 'two callers share one key; give each caller its own key');
      }
      if (env.m2mClients.some((client) => client.name === caller.name)) {
        issue(['legacyApiKeys', 'callers', i, 'name'], 'an M2M client has this name; metrics count both under it, so choose another');
      }
    });
    if (env.legacyApiKeys.enabled && env.legacyApiKeys.callers.length === 0) {
      issue(['legacyApiKeys', 'callers'], 'legacy API keys are enabled but no caller is listed; list the callers or set enabled to false');
    }

    if (env.pipeline) checkPipeline(env, issue);

    env.routes.forEach((route, i) => {
      if (env.routes.findIndex((other) => other.method === route.method && other.path === route.path) !== i) {
        issue(['routes', i], `duplicate route ${route.method} ${route.path}`);
      }
      const methods = PERMISSION_METHODS[route.permission];
      if (!methods.includes(route.method)) {
        issue(['routes', i, 'method'], `a "${route.permission}" route may only use ${methods.join(', ')}; use permission "execute" for a business transaction`);
      }
    });
  })
  .transform((env) => ({
    ...env,
    // A secret scheduled for deletion blocks a new one of the same name, so throw-away environments delete at once.
    secretRecoveryWindowDays: env.secretRecoveryWindowDays ?? (env.userPool.deletionProtection ? 30 : 0),
  }));

/** The pipeline rules that read other fields: the state backend names the TFC workspace by default. */
function checkPipeline(env: Pick<ParsedEnvironment, 'pipeline' | 'stateBackend'>, issue: (path: PropertyKey[], message: string) => void): void {
  const tfc = env.pipeline?.terraformCloud;
  if (tfc && tfc.workspace === undefined && env.stateBackend.type !== 'cloud') {
    issue(['pipeline', 'terraformCloud', 'workspace'], 'is required when the state is not in Terraform Cloud: name the workspace whose runs deploy this environment');
  }
  const maxWorkspace = 90 - PIPELINE_ACCESS_WORKSPACE_SUFFIX.length;
  if (env.stateBackend.type === 'cloud' && env.stateBackend.workspace.length > maxWorkspace) {
    issue(
      ['stateBackend', 'workspace'],
      `with pipeline set, at most ${maxWorkspace} characters: the pipeline-access stack's state lives in the workspace <workspace>${PIPELINE_ACCESS_WORKSPACE_SUFFIX} (90 at most)`,
    );
  }
}

/** What a config file declares for one environment (defaults not yet applied). */
export type EnvironmentConfigInput = z.input<typeof environmentSchema>;

type ParsedEnvironment = z.output<typeof environmentSchema>;
type ParsedPipeline = NonNullable<ParsedEnvironment['pipeline']>;

/** `pipeline.github`, defaults applied: `environment` is the environment's name unless set. */
export type GithubPipelineConfig = Omit<NonNullable<ParsedPipeline['github']>, 'environment'> & { readonly environment: string };
/** `pipeline.terraformCloud`, defaults applied: `workspace` and `hostname` come from a cloud state backend unless set. */
export type TerraformCloudPipelineConfig = Omit<NonNullable<ParsedPipeline['terraformCloud']>, 'workspace' | 'hostname'> & {
  readonly workspace: string;
  readonly hostname: string;
};
export interface PipelineConfig {
  readonly github?: GithubPipelineConfig;
  readonly terraformCloud?: TerraformCloudPipelineConfig;
}

/** A validated environment, defaults applied. */
export type EnvironmentConfig = Omit<ParsedEnvironment, 'pipeline'> & { readonly name: string; readonly pipeline?: PipelineConfig };

/**
 * A parsed environment with its name, and the defaults that depend on the name or on other fields
 * applied: `pipeline.github.environment` (the environment's name), `pipeline.terraformCloud.workspace`
 * and `.hostname` (the Terraform Cloud state backend's, else app.terraform.io for the hostname).
 *
 * @example
 * const config = namedEnvironment(environmentSchema.parse(input), 'dev');
 */
export function namedEnvironment(parsed: ParsedEnvironment, name: string): EnvironmentConfig {
  const { pipeline, ...rest } = parsed;
  if (!pipeline) return { ...rest, name };
  const cloud = parsed.stateBackend.type === 'cloud' ? parsed.stateBackend : undefined;
  const { github, terraformCloud } = pipeline;
  return {
    ...rest,
    name,
    pipeline: {
      ...(github ? { github: { ...github, environment: github.environment ?? name } } : {}),
      ...(terraformCloud
        ? {
            terraformCloud: {
              ...terraformCloud,
              // The schema refuses a missing workspace unless the state backend is cloud.
              workspace: terraformCloud.workspace ?? cloud!.workspace,
              hostname: terraformCloud.hostname ?? cloud?.hostname ?? TFC_DEFAULT_HOSTNAME,
            },
          }
        : {}),
    },
  };
}
export type StateBackendConfig = EnvironmentConfig['stateBackend'];
export type M2mClientConfig = EnvironmentConfig['m2mClients'][number];
export type RouteConfig = EnvironmentConfig['routes'][number];
export type GatewayConfig = EnvironmentConfig['gateway'];
export type LegacyCaller = EnvironmentConfig['legacyApiKeys']['callers'][number];

/** Scope name -> role, for the scopes the resource server declares. */
export function scopeRoles(env: Pick<EnvironmentConfig, 'resourceServer'>): Record<string, Role> {
  return Object.fromEntries(env.resourceServer.scopes.map((scope) => [scope.name, scope.role ?? STANDARD_SCOPE_ROLES[scope.name]]));
}

export { ENVIRONMENT_NAME };
