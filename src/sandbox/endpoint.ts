/**
 * The variables that point a function's AWS SDK at Nimbus: AWS_ENDPOINT_URL_LAMBDA (the SDKs'
 * service-specific endpoint setting, honoured by the JavaScript SDK v3, boto3 and the AWS CLI)
 * and AWS_ENDPOINT_URL for the other services Nimbus serves. A function that sets either itself
 * (to reach another emulator, say) keeps its own.
 */
export function endpointEnv(url: string, functionEnv: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL']) if (functionEnv[k] === undefined) out[k] = url;
  return out;
}
