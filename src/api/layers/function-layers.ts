/**
 * A function's `Layers` (CreateFunction, UpdateFunctionConfiguration): up to five layer version
 * ARNs of the function's region, each existing, no layer twice, and the unzipped code and layers
 * within Lambda's 250 MB. Messages are AWS's (LS-SNAP `test_layer_function_exceptions`,
 * `test_layer_function_quota_exception`; the size message from AWS users' reports, e.g.
 * github.com/lambci/git-lambda-layer#27). The references keep each layer's package, so a layer
 * version deleted later still works for the function.
 */
import { invalidParameter, NimbusError } from '../../core/errors.js';
import type { LayerRef, Scope } from '../../core/model.js';
import type { CodeStore } from '../../store/code-store.js';
import type { Store } from '../../store/types.js';
import { MAX_UNZIPPED_BYTES } from '../../store/unzip.js';
import type { FunctionLayers } from '../functions/extensions.js';
import { LAYER_VERSION_ARN_PATTERN, layerVersionArn, parseLayerVersionArn } from './names.js';

/** Lambda's limit of layers per function. */
export const MAX_LAYERS = 5;

export class FunctionLayerRefs implements FunctionLayers {
  constructor(private readonly deps: { store: Store; code: CodeStore }) {}

  async resolve(scope: Scope, raw: unknown): Promise<LayerRef[]> {
    if (raw === null) return [];
    if (!Array.isArray(raw)) throw new NimbusError('ERR_VALIDATION', `1 validation error detected: Value '${JSON.stringify(raw)}' at 'layers' failed to satisfy constraint: Member must be a list`);
    if (raw.length > MAX_LAYERS) throw invalidParameter(`Cannot reference more than ${MAX_LAYERS} layers.`);
    const refs: LayerRef[] = [];
    const seen = new Map<string, string>();
    for (const arn of raw) {
      const ref = typeof arn === 'string' ? parseLayerVersionArn(arn) : undefined;
      if (!ref) {
        throw new NimbusError(
          'ERR_VALIDATION',
          `1 validation error detected: Value '[${String(arn)}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: ` +
            `[Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}, Member must not be null]`,
        );
      }
      if (ref.region !== scope.region) {
        throw invalidParameter(`Layers are not in the same region as the function. Layers are expected to be in region ${scope.region}.`);
      }
      const v = ref.accountId === scope.accountId ? await this.deps.store.layers.get(ref, ref.name, ref.version) : undefined;
      if (!v) {
        if (ref.accountId !== scope.accountId) {
          // AWS checks the other account's layer version policy; Nimbus keeps accounts apart until the security issue.
          throw new NimbusError('ERR_ACCESS_DENIED', `User: arn:aws:iam::${scope.accountId}:root is not authorized to perform: lambda:GetLayerVersion on resource: ${arn as string} because no resource-based policy allows the lambda:GetLayerVersion action`);
        }
        throw invalidParameter(`Layer version ${arn as string} does not exist.`);
      }
      const layer = `${ref.accountId}:${ref.region}:${ref.name}`;
      const earlier = seen.get(layer);
      if (earlier !== undefined) {
        throw invalidParameter(
          `Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier} and ${arn as string} are versions of the same layer.`,
        );
      }
      seen.set(layer, arn as string);
      refs.push({ arn: layerVersionArn(v, v.layerName, v.version), codeSha256: v.codeSha256, codeSize: v.codeSize });
    }
    // A cluster node fetches layers published through another node: their sizes are checked and their set built here.
    await this.deps.code.ensure(refs.map((r) => r.codeSha256));
    return refs;
  }

  checkSize(codeSha256: string, layers: readonly LayerRef[]): void {
    if (layers.length === 0) return;
    const total = [codeSha256, ...layers.map((l) => l.codeSha256)].reduce((n, sha) => n + this.deps.code.unzippedSize(sha), 0);
    if (total > MAX_UNZIPPED_BYTES) {
      throw invalidParameter(`Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED_BYTES} bytes. The actual size is ${total} bytes.`);
    }
  }

  prepare(layers: readonly LayerRef[]): void {
    if (layers.length === 0) return;
    // The sandbox that needs it first waits for this same build; a failure is tried again there.
    this.deps.code.layerSet(layers.map((l) => l.codeSha256)).catch(() => undefined);
  }
}
