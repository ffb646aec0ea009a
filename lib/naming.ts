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
