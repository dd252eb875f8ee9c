/**
 * The NODE_PATH resolve hook of node-path.mts for Node.js versions without module.registerHooks:
 * module.register() runs this file on Node's loader thread, with the folders as its data.
 */
type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type Context = { parentURL?: string; conditions?: string[]; importAttributes?: Record<string, string> };

let folders: string[] = [];

export function initialize(data: string[]): void {
  folders = data;
}

function notFound(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ERR_MODULE_NOT_FOUND';
}

export async function resolve(specifier: string, context: Context, next: (s: string, c?: Context) => Promise<Resolved>): Promise<Resolved> {
  try {
    return await next(specifier, context);
  } catch (err) {
    const bare = !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier) && !specifier.startsWith('#');
    if (!notFound(err) || !bare) throw err;
    for (const parentURL of folders) {
      try {
        return await next(specifier, { ...context, parentURL });
      } catch (again) {
        if (!notFound(again)) throw again;
      }
    }
    throw err;
  }
}
