import type { EnvironmentConfig } from '../config/schema';

/** What every ARN pattern of one environment is built from. */
export interface ArnContext {
  /** `aws`, `aws-cn`, `aws-us-gov`, ... from the region. */
  readonly partition: string;
  readonly region: string;
  /** The environment's `account`, or `*` when the config leaves it open. */
  readonly account: string;
  /** `<namePrefix>-<env>`: the stem of every physical name (lib/terraform/naming.ts). */
  readonly stem: string;
  /** `<namePrefix>/<env>`: the stem of hierarchical names (secrets, SSM parameters). */
  readonly path: string;
}

/**
 * The AWS partition a region belongs to.
 *
 * @example
 * partitionOf('eu-west-1'); // 'aws'
 * partitionOf('cn-north-1'); // 'aws-cn'
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * The ARN context of an environment.
 *
 * @example
 * arnContextOf(config).stem; // 'm2m-auth-dev'
 */
export function arnContextOf(config: Pick<EnvironmentConfig, 'name' | 'namePrefix' | 'region' | 'account'>): ArnContext {
  return {
    partition: partitionOf(config.region),
    region: config.region,
    account: config.account ?? '*',
    stem: `${config.namePrefix}-${config.name}`,
    path: `${config.namePrefix}/${config.name}`,
  };
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>`; pass `region: ''` (and `account: ''`)
 * for global services.
 *
 * @example
 * arn(ctx, 'lambda', `function:${ctx.stem}-*`); // 'arn:aws:lambda:eu-west-1:111111111111:function:m2m-auth-dev-*'
 */
export function arn(ctx: ArnContext, service: string, resource: string, where: { region?: string; account?: string } = {}): string {
  return `arn:${ctx.partition}:${service}:${where.region ?? ctx.region}:${where.account ?? ctx.account}:${resource}`;
}
