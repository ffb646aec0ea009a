import { Construct } from 'constructs';
import { TerraformResource, anyToHclTerraform, hashMapperHcl } from 'cdktf';

/**
 * A `terraform_data` resource that is replaced whenever `values` change, for `replace_triggered_by`
 * on another resource. CDKTF's own `DataResource` runs `terraform version` while synthesizing, which
 * would make `npm run synth` need Terraform on the machine; this one only writes the block.
 */
export class ReplaceTrigger extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly values: Readonly<Record<string, string>>,
  ) {
    super(scope, id, { terraformResourceType: 'terraform_data', terraformGeneratorMetadata: { providerName: 'terraform' } });
  }

  /**
   * Puts this resource in `lifecycle.replace_triggered_by` of `resource`, as the bare address JSON
   * needs (CDKTF would write `"${terraform_data.x}"`, which Terraform rejects in JSON); `--hcl` output
   * gets its references unquoted by the synth (lib/terraform/synth-output.ts).
   */
  triggerReplacementOf(resource: TerraformResource): void {
    resource.addOverride('lifecycle.replace_triggered_by', [this.address]);
  }

  /** `terraform_data.<name>` */
  get address(): string {
    return `${this.terraformResourceType}.${this.friendlyUniqueId}`;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: { ...this.values } };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapperHcl(anyToHclTerraform)(this.values) };
  }
}
