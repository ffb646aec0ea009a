/**
 * The optional `pipeline` block of an environment: which CI systems may plan and deploy it through
 * OIDC federation (GitHub Actions, Terraform Cloud dynamic credentials). The access stack
 * (`pipeline-access-<env>`, lib/stacks) is synthesized only for environments that have the block.
 */
import { z } from 'zod';

// GitHub: owner 1-39 alphanumerics and single inner hyphens; repository 1-100 of [A-Za-z0-9._-], not . or ..
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
// A subset of git's ref-name rules without IAM wildcards (* ?), so the trust condition stays exact.
const GIT_BRANCH = /^(?!\/|.*\/$|.*\/\/|.*\.\.|.*\.lock$|.*@\{)[A-Za-z0-9._/-]{1,255}$/;
// GitHub environment names appear verbatim in the OIDC sub claim; no IAM wildcards, no ':' (the claim's separator).
const GITHUB_ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const TFC_ORGANIZATION = /^[A-Za-z0-9_-]{1,40}$/;
// Terraform Cloud project names: letters, digits, inner spaces, - and _, at most 40 characters.
const TFC_PROJECT = /^[A-Za-z0-9_-](?:[A-Za-z0-9 _-]{0,38}[A-Za-z0-9_-])?$/;
const TFC_WORKSPACE = /^[A-Za-z0-9_-]{1,90}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

const githubPipelineSchema = z.strictObject({
  repository: z.string().regex(GITHUB_REPOSITORY, {
    error: 'must be <owner>/<name> as GitHub spells it, e.g. acme/m2m-auth (no wildcards)',
  }),
  deployBranch: z
    .string()
    .regex(GIT_BRANCH, { error: 'must be a branch name such as main or release/v1 (letters, digits, . _ - /; no wildcards)' })
    .default('main'),
  // Defaults to the environment name (load.ts: the name is known only there).
  environment: z
    .string()
    .regex(GITHUB_ENVIRONMENT, { error: 'must be a GitHub environment name of letters, digits, . _ and - (it becomes part of the OIDC sub claim)' })
    .optional(),
  manageOidcProvider: z.boolean().default(true),
});

const terraformCloudPipelineSchema = z.strictObject({
  organization: z.string().regex(TFC_ORGANIZATION, { error: 'Terraform Cloud organization names are 1-40 letters, digits, - and _' }),
  project: z
    .string()
    .regex(TFC_PROJECT, { error: 'Terraform Cloud project names are 1-40 letters, digits, inner spaces, - and _' })
    .default('Default Project'),
  // Defaults to stateBackend.workspace when the state lives in Terraform Cloud (schema.ts).
  workspace: z.string().regex(TFC_WORKSPACE, { error: 'Terraform Cloud workspace names are 1-90 letters, digits, - and _' }).optional(),
  // Defaults to stateBackend.hostname when the state lives in Terraform Cloud, else app.terraform.io (schema.ts).
  hostname: z.string().regex(HOSTNAME, { error: 'must be a host name such as app.terraform.io (no scheme, no path)' }).optional(),
  manageOidcProvider: z.boolean().default(true),
});

export const pipelineSchema = z
  .strictObject({
    github: githubPipelineSchema.optional(),
    terraformCloud: terraformCloudPipelineSchema.optional(),
  })
  .refine((pipeline) => pipeline.github !== undefined || pipeline.terraformCloud !== undefined, {
    error: 'declare github, terraformCloud or both; or remove pipeline',
  });

/**
 * The pipeline roles, `<namePrefix>-<env>-<suffix>`: plan (pull requests and the deploy branch, read-only) and deploy
 * (GitHub environment on the deploy branch); plan and apply phases of Terraform Cloud runs.
 */
export const PIPELINE_ROLE_SUFFIXES = {
  githubPlan: 'github-plan',
  githubDeploy: 'github-deploy',
  tfcPlan: 'tfc-plan',
  tfcApply: 'tfc-apply',
} as const;

/** IAM's limit on role names. */
export const IAM_ROLE_NAME_MAX = 64;

/** The pipeline-access stack of environment `<env>` is `pipeline-access-<env>`; no environment may take such a name. */
export const PIPELINE_ACCESS_STACK_PREFIX = 'pipeline-access-';

/** The TFC workspace of an environment's pipeline-access stack: `<workspace>-pipeline-access`. */
export const PIPELINE_ACCESS_WORKSPACE_SUFFIX = '-pipeline-access';

/** GitHub Actions' OIDC issuer host: the provider URL and the prefix of its IAM condition keys. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials asks for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** Terraform Cloud's default hostname (its OIDC issuer). */
export const TFC_DEFAULT_HOSTNAME = 'app.terraform.io';
/** The audience Terraform Cloud's AWS dynamic credentials ask for (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE). */
export const TFC_OIDC_AUDIENCE = 'aws.workload.identity';
