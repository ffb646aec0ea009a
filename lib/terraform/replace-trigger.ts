import { Construct } from 'constructs';
import { App, TerraformResource, anyToHclTerraform, hashMapperHcl } from 'cdktf';

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
   * The entry to put in `lifecycle.replace_triggered_by` of `resource`. JSON output needs the bare
   * address; CDKTF writes a reference as `"${terraform_data.x}"`, which only HCL accepts.
   */
  triggerReplacementOf(resource: TerraformResource): void {
    if (App.of(this).hclOutput) resource.addOverride('lifecycle.replace_triggered_by', [`\${${this.address}}`]);
    else resource.addOverride('lifecycle.replace_triggered_by', [this.address]);
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
