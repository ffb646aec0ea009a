import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HttpApi, RestApi, SampleBackend, type ApiGateway, type BackendTarget } from '../api';
import { DualTokenAuthorizer } from '../authorizer';
import type { EnvironmentConfig } from '../config';
import { CognitoIdentity, EnvironmentKey, M2mClients } from '../identity';
import { LegacyUsageCheck, Monitoring } from '../monitoring';
import { ClientTokenFlow } from '../client-token-flow/client-token-flow';
import { SecretRotation } from '../secret-rotation';
import { configureStateBackend } from '../state';
import { NamedStack, ResourceNaming } from '../terraform';

export interface M2mAuthStackProps {
  readonly config: EnvironmentConfig;
}

/** Tags that every taggable resource carries, before the config's own `tags`. */
export function defaultTags(config: Pick<EnvironmentConfig, 'name' | 'tags'>): Record<string, string> {
  return { Project: 'm2m-auth', Environment: config.name, ManagedBy: 'cdktf', ...config.tags };
}

/**
 * One environment of m2m-auth. The stack is named after the environment, so users run
 * `npx cdktf deploy dev` and `npx cdktf diff staging`.
 */
export class M2mAuthStack extends NamedStack {
  readonly identity: CognitoIdentity;
  readonly m2mClients: M2mClients;
  readonly secretRotation: SecretRotation;
  readonly authorizer: DualTokenAuthorizer;
  readonly api: ApiGateway;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, props: M2mAuthStackProps) {
    const { config } = props;
    super(scope, config.name);
    const naming = new ResourceNaming(config.namePrefix, config.name);
    const protectedEnvironment = config.userPool.deletionProtection;

    configureStateBackend(this, config.name, config.stateBackend);
    new AwsProvider(this, 'aws', {
      region: config.region,
      allowedAccountIds: config.account ? [config.account] : undefined,
      defaultTags: [{ tags: defaultTags(config) }],
    });

    this.identity = new CognitoIdentity(this, 'identity', { config, naming });
    const key = new EnvironmentKey(this, 'secrets_key', { naming, deletionWindowInDays: protectedEnvironment ? 30 : 7 });
    this.m2mClients = new M2mClients(this, 'm2m_clients', {
      identity: this.identity,
      clients: config.m2mClients,
      naming,
      kmsKeyArn: key.key.arn,
      secretRecoveryWindowInDays: config.secretRecoveryWindowDays,
    });

    const apiClients = this.m2mClients.clients.filter((client) => client.tokenPaths.includes('api'));
    const clientTokenFlow = apiClients.length > 0 ? new ClientTokenFlow(this, 'client_token_flow', { config, naming, identity: this.identity, clients: apiClients }) : undefined;
    this.secretRotation = new SecretRotation(this, 'secret_rotation', {
      config,
      naming,
      identity: this.identity,
      m2mClients: this.m2mClients,
      kmsKeyArn: key.key.arn,
      clientReady: clientTokenFlow?.invocations,
    });

    this.authorizer = new DualTokenAuthorizer(this, 'authorizer', { config, naming, identity: this.identity, m2mClients: this.m2mClients });
    const gatewayProps = {
      config,
      naming,
      authorizer: { functionName: this.authorizer.function.functionName, invokeArn: this.authorizer.function.invokeArn },
      backend: this.backendTarget(config, naming),
    };
    this.api = config.gateway.type === 'rest' ? new RestApi(this, 'api', gatewayProps) : new HttpApi(this, 'api', gatewayProps);
    const legacyUsage = config.legacyApiKeys.enabled ? new LegacyUsageCheck(this, 'legacy_usage', { config, naming }) : undefined;
    this.monitoring = new Monitoring(this, 'monitoring', {
      config,
      naming,
      authorizerFunctionName: this.authorizer.function.functionName,
      authorizerLogGroupName: this.authorizer.logGroup.name,
      api: this.api,
      kmsKeyArn: key.key.arn,
      legacyUsageFunctionName: legacyUsage?.function.functionName,
      secretRotationFunctionName: this.secretRotation.function.functionName,
    });

    this.outputs();
  }

  private backendTarget(config: EnvironmentConfig, naming: ResourceNaming): BackendTarget {
    const backend = config.gateway.backend;
    if (backend.type === 'http') return { type: 'http', url: backend.url };
    if (backend.type === 'lambda') {
      const [, partition, , region] = backend.functionArn.split(':');
      const invokeArn = `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${backend.functionArn}/invocations`;
      return { type: 'lambda', functionName: backend.functionArn, invokeArn };
    }
    const sample = new SampleBackend(this, 'sample_backend', { config, naming }).function;
    return { type: 'lambda', functionName: sample.functionName, invokeArn: sample.invokeArn };
  }

  private outputs(): void {
    const output = (id: string, value: unknown, description: string) => new TerraformOutput(this, id, { value, description });
    output('user_pool_id', this.identity.userPool.id, 'Cognito user pool id');
    output('issuer', this.identity.issuer, 'The iss claim of every token of this pool');
    if (this.identity.tokenEndpoint) output('token_endpoint', this.identity.tokenEndpoint, 'POST grant_type=client_credentials here');
    if (this.m2mClients.clients.some((c) => c.tokenPaths.includes('api'))) {
      output('get_client_token_endpoint', `https://cognito-idp.${this.identity.region}.amazonaws.com/`, 'GetClientToken here (clients with tokenPaths "api"; the AWS SDK finds it from the region)');
    }
    output('jwks_url', this.identity.jwksUrl, 'Public keys that sign the tokens');
    output('m2m_client_ids', Object.fromEntries(this.m2mClients.clients.map((c) => [c.name, c.client.id])), 'App client id per calling service');
    output(
      'm2m_secret_arns',
      Object.fromEntries(this.m2mClients.clients.map((c) => [c.name, c.secret.arn])),
      'Secrets Manager secret per calling service; the credentials never leave it',
    );
    output('api_url', this.api.url, 'Base URL of the API, stage included');
    output('dashboard_name', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of this environment');
    output('alarm_topic_arn', this.monitoring.topic.arn, 'SNS topic that receives every alarm');
    output('authorizer_function_name', this.authorizer.function.functionName, 'The Lambda authorizer; its log group holds one line per decision');
    output('secret_rotation_function_name', this.secretRotation.function.functionName, 'Rotates the client secrets; npm run rotate starts it now, its log group says what each step did');
    output('revocation_parameter_name', this.authorizer.denyList.name, 'SSM parameter with the revoked client ids and token jtis');
    if (this.identity.userClient) output('user_client_id', this.identity.userClient.id, 'App client id for humans (authorization code + PKCE)');
  }
}
