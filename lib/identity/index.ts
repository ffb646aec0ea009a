/**
 * Who may call: the Cognito user pool, its domains, resource server, groups and user client; one M2M
 * app client per calling service with its secret in Secrets Manager; the environment's KMS key.
 */
export * from './cognito-identity';
export * from './environment-key';
export * from './m2m-clients';
