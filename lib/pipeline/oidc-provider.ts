import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';

export interface OidcProviderProps {
  /** The issuer's host, without scheme: `token.actions.githubusercontent.com`. */
  readonly host: string;
  /** The audience (`aud`) the CI system asks tokens for: `sts.amazonaws.com`. */
  readonly audience: string;
  /**
   * Create the provider (true), or use the one of the account, which another stack owns (false). IAM
   * holds one provider per issuer URL per account.
   */
  readonly manage: boolean;
  readonly partition: string;
  /**
   * The account that holds the provider.
   * @default - the account Terraform runs in (data.aws_caller_identity)
   */
  readonly account?: string;
}

/**
 * An IAM OIDC identity provider: created here, or referenced by the ARN IAM gives it
 * (`arn:<partition>:iam::<account>:oidc-provider/<host>`), so that a plan never needs to look it up.
 * No thumbprint: IAM verifies GitHub's and Terraform Cloud's certificates against its trusted CAs.
 */
export class OidcProvider extends Construct {
  readonly arn: string;
  readonly host: string;
  readonly audience: string;

  constructor(scope: Construct, id: string, props: OidcProviderProps) {
    super(scope, id);
    this.host = props.host;
    this.audience = props.audience;
    if (props.manage) {
      this.arn = new IamOpenidConnectProvider(this, 'provider', { url: `https://${props.host}`, clientIdList: [props.audience] }).arn;
    } else {
      const account = props.account ?? new DataAwsCallerIdentity(this, 'account').accountId;
      this.arn = `arn:${props.partition}:iam::${account}:oidc-provider/${props.host}`;
    }
  }
}
