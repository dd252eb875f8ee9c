/** Something the benchmark sends invocations to. */
export interface Target {
  name: string;
  /** The URL a warm synchronous invocation is POSTed to. */
  invokeUrl: string;
  headers?: Record<string, string>;
  stop(): Promise<void>;
}
