import type { Construct } from 'constructs';
import { TerraformOutput, type TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { PIPELINE_ACCESS_STACK_PREFIX, PIPELINE_ACCESS_WORKSPACE_SUFFIX } from '../config/pipeline-schema';
import type { EnvironmentConfig, StateBackendConfig } from '../config/schema';
import { GithubActionsAccess, partitionOf, pipelinePolicy, TerraformCloudAccess, type PolicyDocument } from '../pipeline';
import { configureStateBackend } from '../state';
import { NamedStack, ResourceNaming } from '../terraform';
import { defaultTags } from './m2m-auth-stack';

export interface PipelineAccessStackProps {
  /** An environment with `pipeline` set. */
  readonly config: EnvironmentConfig;
  /** The environment's own stack: the deployer policy covers exactly the Terraform types it synthesizes. */
  readonly environmentStack: TerraformStack;
}

/**
 * The name of an environment's access stack: `npx cdktf deploy pipeline-access-dev`.
 *
 * @example
 * pipelineAccessStackName('prod'); // 'pipeline-access-prod'
 */
export function pipelineAccessStackName(environment: string): string {
  return `${PIPELINE_ACCESS_STACK_PREFIX}${environment}`;
}

/**
 * Where the access stack keeps its state: the environment's kind of backend, beside its state but never
 * in it (S3 key `<keyPrefix>/pipeline-access-<env>/terraform.tfstate`, Terraform Cloud workspace
 * `<workspace>-pipeline-access`). The pipeline roles may touch only the environment's own state, so
 * they can never rewrite the stack that defines their trust and permissions.
 */
export function pipelineAccessStateBackend(backend: StateBackendConfig): StateBackendConfig {
  return backend.type === 'cloud' ? { ...backend, workspace: `${backend.workspace}${PIPELINE_ACCESS_WORKSPACE_SUFFIX}` } : backend;
}

/**
 * What pipelines may do to one environment, deployed by an administrator once and whenever the
 * environment's resource types change: OIDC providers, the roles GitHub Actions and Terraform Cloud
 * assume, and their customer-managed policies, generated from the environment's synthesized stack
 * (the same documents `npm run deployer-policy -- <env>` prints). Outputs the role ARNs.
 */
export class PipelineAccessStack extends NamedStack {
  readonly github?: GithubActionsAccess;
  readonly terraformCloud?: TerraformCloudAccess;

  constructor(scope: Construct, props: PipelineAccessStackProps) {
    const { config } = props;
    const name = pipelineAccessStackName(config.name);
    super(scope, name);
    const pipeline = config.pipeline;
    if (!pipeline) throw new Error(`${config.name}: pipeline is not set; the pipeline access stack is only for environments that declare one`);
    const naming = new ResourceNaming(config.namePrefix, config.name);

    configureStateBackend(this, name, pipelineAccessStateBackend(config.stateBackend));
    new AwsProvider(this, 'aws', {
      region: config.region,
      allowedAccountIds: config.account ? [config.account] : undefined,
      defaultTags: [{ tags: defaultTags(config) }],
    });

    const tf = props.environmentStack.toTerraform();
    const policies = (kind: string, documents: readonly PolicyDocument[], purpose: string) =>
      documents.map(
        (document, i) =>
          new IamPolicy(this, `${kind}_policy_${i + 1}`, {
            name: naming.name(`pipeline-${kind}${i === 0 ? '' : `-${i + 1}`}`),
            description: `${purpose} (${i + 1} of ${documents.length}; generated from the stack's Terraform types)`,
            policy: JSON.stringify(document),
          }).arn,
      );
    const readPolicyArns = policies('read', pipelinePolicy(config, tf, 'read'), `Plans ${config.name}: reads, state read, state lock`);
    const deployPolicyArns = policies('deploy', pipelinePolicy(config, tf, 'deploy'), `Deploys ${config.name}`);

    const common = { naming, partition: partitionOf(config.region), account: config.account, readPolicyArns, deployPolicyArns };
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    if (pipeline.github) {
      this.github = new GithubActionsAccess(this, 'github', { ...common, github: pipeline.github });
      output('github_plan_role_arn', this.github.planRole.role.arn, 'role-to-assume of pull-request plans (aws-actions/configure-aws-credentials)');
      output('github_deploy_role_arn', this.github.deployRole.role.arn, `role-to-assume of deploy jobs in the GitHub environment ${pipeline.github.environment}`);
    }
    if (pipeline.terraformCloud) {
      this.terraformCloud = new TerraformCloudAccess(this, 'tfc', { ...common, terraformCloud: pipeline.terraformCloud });
      output('tfc_plan_role_arn', this.terraformCloud.planRole.role.arn, 'TFC_AWS_PLAN_ROLE_ARN of the workspace');
      output('tfc_apply_role_arn', this.terraformCloud.applyRole.role.arn, 'TFC_AWS_APPLY_ROLE_ARN of the workspace');
    }
  }
}
