/**
 * Wrapper scripts (`AWS_LAMBDA_EXEC_WRAPPER`), shared by the isolation levels.
 */
import type { SandboxSpec } from './types.js';

/**
 * A managed runtime's argv behind the function's wrapper script, when `AWS_LAMBDA_EXEC_WRAPPER`
 * names one (DG "Modifying the runtime environment: wrapper scripts"; layer-delivered agents set
 * it): the wrapper is run with the runtime's command line as its arguments. Custom runtimes
 * ignore it, as on Lambda.
 */
export function withExecWrapper(spec: SandboxSpec, argv: string[]): string[] {
  const wrapper = spec.env['AWS_LAMBDA_EXEC_WRAPPER'];
  return wrapper && spec.descriptor.family !== 'provided' ? [wrapper, ...argv] : argv;
}
