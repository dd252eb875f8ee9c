/**
 * JSON-in-a-text-column helpers shared by the SQLite and PostgreSQL stores: both keep lists and
 * objects as JSON text (NULL when absent), so the row <-> record mappers in `rows/` use these.
 */
export const list = (s: string | null): string[] | undefined => (s === null ? undefined : (JSON.parse(s) as string[]));
export const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
