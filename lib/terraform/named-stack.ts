import { TerraformElement, TerraformStack } from 'cdktf';
import type { Node } from 'constructs';

/**
 * A stack whose Terraform addresses are the construct path without hashes:
 * `aws_cognito_user_pool.identity_user_pool`, not `identity_user_pool_4F75941A`. `cdktf diff`
 * output reads as the code does, and `cdktf synth --hcl` stays a clean way out of CDKTF.
 * Paths are unique within a stack, so the addresses are too.
 */
export class NamedStack extends TerraformStack {
  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const index = node.scopes.indexOf(this);
    return node.scopes
      .slice(index + 1)
      .map((scope) => scope.node.id)
      .join('_')
      .replace(/[^A-Za-z0-9_-]/g, '_');
  }
}
