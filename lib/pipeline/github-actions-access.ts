import { Construct } from 'constructs';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, PIPELINE_ROLE_SUFFIXES } from '../config/pipeline-schema';
import type { GithubPipelineConfig } from '../config/schema';
import type { ResourceNaming } from '../terraform/naming';
import { OidcProvider } from './oidc-provider';
import { PipelineRole } from './pipeline-role';

export interface GithubActionsAccessProps {
  readonly github: GithubPipelineConfig;
  readonly naming: ResourceNaming;
  readonly partition: string;
  /** @default - the account Terraform runs in */
  readonly account?: string;
  /** The read-only policies: plan (reads), state read, state lock. */
  readonly readPolicyArns: readonly string[];
  /** The deployer policies. */
  readonly deployPolicyArns: readonly string[];
}

/**
 * The trust GitHub Actions jobs of one repository get, by the claims of their OIDC token
 * (docs.github.com, "OpenID Connect reference"): pull requests, and jobs of the deploy branch that
 * plan before a reviewer approves, may plan; jobs bound to the GitHub environment, from the deploy
 * branch and a workflow of that branch, may deploy.
 *
 * @example
 * githubTrust({ repository: 'acme/m2m-auth', environment: 'prod', deployBranch: 'main' }).deploy.claims.sub;
 * // 'repo:acme/m2m-auth:environment:prod'
 */
export function githubTrust(github: Pick<GithubPipelineConfig, 'repository' | 'environment' | 'deployBranch'>) {
  const ref = `refs/heads/${github.deployBranch}`;
  return {
    // A job without an environment on the deploy branch has the sub repo:<repository>:ref:<ref>.
    plan: { claims: { sub: [`repo:${github.repository}:pull_request`, `repo:${github.repository}:ref:${ref}`] } },
    deploy: {
      // `ref` and `job_workflow_ref` are condition keys since AWS STS validates GitHub's claims (2026-01).
      claims: { sub: `repo:${github.repository}:environment:${github.environment}`, ref },
      claimPatterns: { job_workflow_ref: `${github.repository}/.github/workflows/*@${ref}` },
    },
  };
}

/**
 * GitHub Actions' access to one environment: the account's OIDC provider for
 * token.actions.githubusercontent.com (created or referenced), a plan role for pull requests with
 * read-only permissions, and a deploy role for the GitHub environment with the deployer policy.
 *
 * A plan refreshes the state, and the state holds the M2M client secrets: the plan role reads them.
 * GitHub hands no OIDC token to workflows of pull requests from forks; never run a fork's code in a
 * `pull_request_target` workflow that asks for one.
 */
export class GithubActionsAccess extends Construct {
  readonly provider: OidcProvider;
  readonly planRole: PipelineRole;
  readonly deployRole: PipelineRole;

  constructor(scope: Construct, id: string, props: GithubActionsAccessProps) {
    super(scope, id);
    const { github, naming } = props;
    const trust = githubTrust(github);
    this.provider = new OidcProvider(this, 'oidc', {
      host: GITHUB_OIDC_HOST,
      audience: GITHUB_OIDC_AUDIENCE,
      manage: github.manageOidcProvider,
      partition: props.partition,
      account: props.account,
    });
    this.planRole = new PipelineRole(this, 'plan', {
      name: naming.name(PIPELINE_ROLE_SUFFIXES.githubPlan),
      description: `Plans ${naming.name()} from pull requests and ${github.deployBranch} of ${github.repository} (read-only)`,
      provider: this.provider,
      claims: trust.plan.claims,
      policyArns: props.readPolicyArns,
    });
    this.deployRole = new PipelineRole(this, 'deploy', {
      name: naming.name(PIPELINE_ROLE_SUFFIXES.githubDeploy),
      description: `Deploys ${naming.name()} from the GitHub environment ${github.environment} of ${github.repository} on ${github.deployBranch}`,
      provider: this.provider,
      claims: trust.deploy.claims,
      claimPatterns: trust.deploy.claimPatterns,
      policyArns: props.deployPolicyArns,
    });
  }
}
