/** A template problem that stops a deployment; the message names the resource and property. */
export class SamError extends Error {
  override readonly name = 'SamError';
}
