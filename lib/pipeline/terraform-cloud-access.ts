import { Construct } from 'constructs';
import { PIPELINE_ROLE_SUFFIXES, TFC_OIDC_AUDIENCE } from '../config/pipeline-schema';
import type { TerraformCloudPipelineConfig } from '../config/schema';
import type { ResourceNaming } from '../terraform/naming';
import { OidcProvider } from './oidc-provider';
import { PipelineRole } from './pipeline-role';

export interface TerraformCloudAccessProps {
  readonly terraformCloud: TerraformCloudPipelineConfig;
  readonly naming: ResourceNaming;
  readonly partition: string;
  /** @default - the account Terraform runs in */
  readonly account?: string;
  readonly readPolicyArns: readonly string[];
  readonly deployPolicyArns: readonly string[];
}

/**
 * The sub claim of a Terraform Cloud run of the workspace in `phase` (Terraform Cloud, "Dynamic
 * Credentials with the AWS Provider").
 *
 * @example
 * terraformCloudSubject(tfc, 'apply'); // 'organization:acme:project:Default Project:workspace:m2m-auth-prod:run_phase:apply'
 */
export function terraformCloudSubject(tfc: Pick<TerraformCloudPipelineConfig, 'organization' | 'project' | 'workspace'>, phase: 'plan' | 'apply'): string {
  return `organization:${tfc.organization}:project:${tfc.project}:workspace:${tfc.workspace}:run_phase:${phase}`;
}

/**
 * Terraform Cloud's dynamic provider credentials for one workspace: the account's OIDC provider for the
 * Terraform Cloud host (created or referenced), a role for the plan phase with read-only permissions
 * (`TFC_AWS_PLAN_ROLE_ARN`; speculative plans of pull requests run only this phase) and one for the
 * apply phase with the deployer policy (`TFC_AWS_APPLY_ROLE_ARN`).
 */
export class TerraformCloudAccess extends Construct {
  readonly provider: OidcProvider;
  readonly planRole: PipelineRole;
  readonly applyRole: PipelineRole;

  constructor(scope: Construct, id: string, props: TerraformCloudAccessProps) {
    super(scope, id);
    const { terraformCloud: tfc, naming } = props;
    this.provider = new OidcProvider(this, 'oidc', {
      host: tfc.hostname,
      audience: TFC_OIDC_AUDIENCE,
      manage: tfc.manageOidcProvider,
      partition: props.partition,
      account: props.account,
    });
    const where = `Terraform Cloud workspace ${tfc.organization}/${tfc.workspace}`;
    this.planRole = new PipelineRole(this, 'plan', {
      name: naming.name(PIPELINE_ROLE_SUFFIXES.tfcPlan),
      description: `Plan phase of ${naming.name()} runs in the ${where} (read-only)`,
      provider: this.provider,
      claims: { sub: terraformCloudSubject(tfc, 'plan') },
      policyArns: props.readPolicyArns,
    });
    this.applyRole = new PipelineRole(this, 'apply', {
      name: naming.name(PIPELINE_ROLE_SUFFIXES.tfcApply),
      description: `Apply phase of ${naming.name()} runs in the ${where}`,
      provider: this.provider,
      claims: { sub: terraformCloudSubject(tfc, 'apply') },
      policyArns: props.deployPolicyArns,
    });
  }
}
