/**
 * SNS's errors as its Query protocol carries them: `<ErrorResponse><Error><Type>Sender|Receiver
 * </Type><Code>..</Code><Message>..</Message></Error>`. Codes and statuses are the SNS model's
 * (botocore `sns/2010-03-31`: NotFound 404, InvalidParameter 400, InvalidParameterValue 400,
 * InternalError 500); messages are AWS's ("Invalid parameter: ..." for InvalidParameter).
 */
export class SnsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = code;
  }

  get sender(): boolean {
    return this.status < 500;
  }
}

export const invalidParameter = (message: string): SnsError => new SnsError('InvalidParameter', 400, message);
export const invalidParameterValue = (message: string): SnsError => new SnsError('ParameterValueInvalid', 400, message);
export const notFound = (message: string): SnsError => new SnsError('NotFound', 404, message);
export const internalError = (): SnsError => new SnsError('InternalError', 500, 'Request could not be completed.');
