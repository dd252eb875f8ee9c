/**
 * CloudFormation's errors as the Query protocol names them: `ValidationError` (400) for almost
 * everything a caller got wrong (a missing stack included: "Stack with id X does not exist"),
 * `ChangeSetNotFound` (404), `AlreadyExistsException`, `InsufficientCapabilitiesException`,
 * `InvalidChangeSetStatus`, `TokenAlreadyExistsException`.
 */
export class CfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'CfnError';
  }
}

export const validation = (message: string): CfnError => new CfnError('ValidationError', message);
export const noStack = (given: string): CfnError => validation(`Stack with id ${given} does not exist`);
