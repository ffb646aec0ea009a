/** The rotation Lambda's settings, read from its environment once at module load. */
import { SecretRotationSettingsError } from '../../lambdas/secret-rotation/errors';
import { readSettings, SECRET_ROTATION_ENV } from '../../lambdas/secret-rotation/settings';

describe('readSettings', () => {
  test('default setup', () => {
    expect(readSettings({ ENVIRONMENT: 'prod', USER_POOL_ID: 'eu-west-1_AbC123', AWS_REGION: 'eu-west-1' })).toEqual({ environment: 'prod', userPoolId: 'eu-west-1_AbC123', region: 'eu-west-1' });
  });

  test('reads every variable it names, and only those', () => {
    const env = { ENVIRONMENT: 'dev', USER_POOL_ID: 'us-east-1_Zz9', AWS_REGION: 'us-east-1', TOKEN_ENDPOINT: 'https://auth.example.com/oauth2/token' };
    expect(Object.values(SECRET_ROTATION_ENV).sort()).toEqual(Object.keys(env).sort());
    expect(SECRET_ROTATION_ENV).toEqual({ environment: 'ENVIRONMENT', userPoolId: 'USER_POOL_ID', region: 'AWS_REGION', tokenEndpoint: 'TOKEN_ENDPOINT' });
    expect(readSettings({ ...env, OTHER: 'x' })).toEqual({ environment: 'dev', userPoolId: 'us-east-1_Zz9', region: 'us-east-1', tokenEndpoint: 'https://auth.example.com/oauth2/token' });
  });

  test('TOKEN_ENDPOINT is optional (no hosted domain), and must be https when set', () => {
    const env = { ENVIRONMENT: 'dev', USER_POOL_ID: 'us-east-1_Zz9', AWS_REGION: 'us-east-1' };
    expect(readSettings(env)).not.toHaveProperty('tokenEndpoint');
    expect(() => readSettings({ ...env, TOKEN_ENDPOINT: 'http://auth.example.com/oauth2/token' })).toThrow('TOKEN_ENDPOINT must be an https URL (http only on loopback); received "http://auth.example.com/oauth2/token"');
    expect(readSettings({ ...env, TOKEN_ENDPOINT: 'http://127.0.0.1:8787/oauth2/token' }).tokenEndpoint).toBe('http://127.0.0.1:8787/oauth2/token');
  });

  test.each([
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: 'eu-west-1_AbC123' }, 'Environment variable AWS_REGION is required'],
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: 'eu-west-1_AbC123', AWS_REGION: '' }, 'Environment variable AWS_REGION is required'],
    [{ USER_POOL_ID: 'eu-west-1_AbC123' }, 'Environment variable ENVIRONMENT is required'],
    [{ ENVIRONMENT: ' ', USER_POOL_ID: 'eu-west-1_AbC123' }, 'Environment variable ENVIRONMENT is required'],
    [{ ENVIRONMENT: 'prod' }, 'Environment variable USER_POOL_ID is required'],
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: '' }, 'Environment variable USER_POOL_ID is required'],
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: 'AbC123' }, 'USER_POOL_ID must be a Cognito user pool id (<region>_<id>, at most 55 characters); received "AbC123"'],
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: 'eu-west-1_AbC-123' }, 'USER_POOL_ID must be a Cognito user pool id (<region>_<id>, at most 55 characters); received "eu-west-1_AbC-123"'],
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: `eu-west-1_${'a'.repeat(46)}` }, `USER_POOL_ID must be a Cognito user pool id (<region>_<id>, at most 55 characters); received "eu-west-1_${'a'.repeat(46)}"`],
    [{ ENVIRONMENT: 'prod', USER_POOL_ID: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123' }, 'USER_POOL_ID must be a Cognito user pool id (<region>_<id>, at most 55 characters); received "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123"'],
  ])('fails when the environment is %j', (env, message) => {
    expect(() => readSettings(env)).toThrow(new SecretRotationSettingsError(message));
    expect(() => readSettings(env)).toThrow(SecretRotationSettingsError);
  });
});
