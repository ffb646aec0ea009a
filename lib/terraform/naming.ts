/**
 * Resource naming, in one place: every physical name is `<namePrefix>-<environment>-<suffix>`, so
 * that two environments in one account never collide and a name says where it belongs.
 */
export class ResourceNaming {
  constructor(
    readonly namePrefix: string,
    readonly environment: string,
  ) {}

  /** `m2m-auth-dev-authorizer` */
  name(...suffix: string[]): string {
    return [this.namePrefix, this.environment, ...suffix].join('-');
  }

  /** Hierarchical names for Secrets Manager and SSM: `m2m-auth/dev/m2m/billing-batch`. */
  path(...suffix: string[]): string {
    return [this.namePrefix, this.environment, ...suffix].join('/');
  }
}

/** The longest `description` (`alarm_description` for alarms) AWS accepts, per Terraform resource type. */
export const DESCRIPTION_LIMITS = {
  aws_lambda_function: 256,
  aws_iam_role: 1000,
  aws_cloudwatch_event_rule: 512,
  aws_ssm_parameter: 1024,
  aws_cloudwatch_metric_alarm: 1024,
  aws_apigatewayv2_api: 1024,
  aws_cognito_user_group: 2048,
  aws_secretsmanager_secret: 2048,
  aws_kms_key: 8192,
} as const;

/** IAM descriptions allow tab, newline and Latin-1 only (`[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`). */
const NOT_IAM_TEXT = /[^\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]/g;

/**
 * A description that AWS accepts for `type`: cut to its limit (ending in `...`) and, for IAM, with
 * characters outside IAM's set replaced by `?`. Config values (API names, client descriptions) flow
 * into descriptions, and an over-long one fails only at apply time.
 *
 * @example
 * fitDescription('aws_lambda_function', `Authorizes ${apiName} calls`);
 */
export function fitDescription(type: keyof typeof DESCRIPTION_LIMITS, text: string): string {
  const clean = type === 'aws_iam_role' ? text.replace(NOT_IAM_TEXT, '?') : text;
  const limit = DESCRIPTION_LIMITS[type];
  return clean.length <= limit ? clean : `${clean.slice(0, limit - 3)}...`;
}
