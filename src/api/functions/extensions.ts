/**
 * What other API areas check and keep when a function is created or changed: its layers
 * (api/layers), its tags (api/tags) and its code signing config (api/code-signing). Each area
 * implements its part; the composition root hands them to FunctionService, which stays ignorant
 * of how they are stored.
 */
import type { LayerRef, Scope } from '../../core/model.js';

export interface FunctionLayers {
  /** Resolves a `Layers` member into references to stored layer versions, with AWS's errors. */
  resolve(scope: Scope, raw: unknown): Promise<LayerRef[]>;
  /** Lambda's limit on the unzipped function code and its layers together (250 MB). */
  checkSize(codeSha256: string, layers: readonly LayerRef[]): void;
  /** Merges the layers for /opt ahead of the first cold start (in the background). */
  prepare(layers: readonly LayerRef[]): void;
}

export interface FunctionTags {
  /** Checks CreateFunction's `Tags` before anything is stored; returns them (undefined: none). */
  check(raw: unknown): Record<string, string> | undefined;
  /** Keeps them once the function exists. */
  put(scope: Scope, functionName: string, tags: Record<string, string>): void;
}

export interface FunctionCodeSigning {
  /** Checks CreateFunction's `CodeSigningConfigArn` (it must exist, and allow the unsigned code). */
  check(scope: Scope, functionName: string, raw: unknown): Promise<string | undefined>;
  /** Keeps the function's config once the function exists. */
  attach(scope: Scope, functionName: string, arn: string): Promise<void>;
  /** Refuses new code for a function whose config enforces signatures (UpdateFunctionCode). */
  beforeCode(scope: Scope, functionName: string): Promise<void>;
}
