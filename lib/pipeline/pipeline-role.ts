import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { fitDescription } from '../terraform/naming';
import type { OidcProvider } from './oidc-provider';

export interface PipelineRoleProps {
  /** Physical role name. */
  readonly name: string;
  readonly description: string;
  readonly provider: OidcProvider;
  /** Claim (without the `<host>:` prefix) -> the exact value (or one of the values) the token must carry; `aud` is always checked. */
  readonly claims: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Claim -> an IAM pattern (`*` wildcards) the token must match.
   * @default - none
   */
  readonly claimPatterns?: Readonly<Record<string, string>>;
  /** The customer-managed policies the role gets. */
  readonly policyArns: readonly string[];
  /**
   * The longest session the CI system may ask for, in seconds.
   * @default 3600
   */
  readonly maxSessionSeconds?: number;
}

/** A role a CI system assumes with its OIDC token (sts:AssumeRoleWithWebIdentity), only with the claims given. */
export class PipelineRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: PipelineRoleProps) {
    super(scope, id);
    const host = props.provider.host;
    const condition = (test: string, claims: Readonly<Record<string, string | readonly string[]>>) =>
      Object.entries(claims).map(([claim, value]) => ({ test, variable: `${host}:${claim}`, values: [value].flat() }));
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          sid: 'OidcFederation',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: [props.provider.arn] }],
          condition: [...condition('StringEquals', { aud: props.provider.audience, ...props.claims }), ...condition('StringLike', props.claimPatterns ?? {})],
        },
      ],
    });
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: fitDescription('aws_iam_role', props.description),
      assumeRolePolicy: trust.json,
      maxSessionDuration: props.maxSessionSeconds ?? 3600,
    });
    props.policyArns.forEach((policyArn, i) => {
      new IamRolePolicyAttachment(this, `policy_${i + 1}`, { role: this.role.name, policyArn });
    });
  }
}
