/**
 * Lambda's layer shapes, built from stored records: GetLayerVersion's (PublishLayerVersion answers
 * the same) and the list items. Members a publish did not set are omitted, as AWS omits them
 * (LS-SNAP `test_layer_s3_content`).
 */
import type { LayerVersionRecord } from '../../store/records.js';
import { codeSha256Base64 } from '../functions/shapes.js';
import { lambdaTimestamp } from '../http/wire-format.js';
import { layerArn, layerVersionArn } from './names.js';

/** MODEL `LayerVersionsListItem`: ListLayerVersions' items and ListLayers' LatestMatchingVersion. */
export function layerVersionItem(v: LayerVersionRecord): Record<string, unknown> {
  return {
    LayerVersionArn: layerVersionArn(v, v.layerName, v.version),
    Version: v.version,
    Description: v.description,
    CreatedDate: lambdaTimestamp(v.createdAt),
    ...(v.compatibleRuntimes ? { CompatibleRuntimes: v.compatibleRuntimes } : {}),
    ...(v.licenseInfo !== undefined ? { LicenseInfo: v.licenseInfo } : {}),
    ...(v.compatibleArchitectures ? { CompatibleArchitectures: v.compatibleArchitectures } : {}),
  };
}

/** MODEL `GetLayerVersionResponse`; `location` makes Content.Location a (presigned) download of the zip. */
export function layerVersion(v: LayerVersionRecord, location: (sha256Hex: string) => string): Record<string, unknown> {
  return {
    Content: { Location: location(v.codeSha256), CodeSha256: codeSha256Base64(v.codeSha256), CodeSize: v.codeSize },
    LayerArn: layerArn(v, v.layerName),
    ...layerVersionItem(v),
  };
}

/** MODEL `LayersListItem`. */
export function layersListItem(v: LayerVersionRecord): Record<string, unknown> {
  return { LayerName: v.layerName, LayerArn: layerArn(v, v.layerName), LatestMatchingVersion: layerVersionItem(v) };
}
