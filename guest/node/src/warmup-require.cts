/**
 * A stem cell loads this module as if it were a handler (bootstrap.mts) while it waits for its
 * function: `require()`'s first use in a process (the CommonJS loader's resolution, its compile
 * wrapper, the handler loader's own package.json walk) is then paid before the assignment, not in
 * a function's Init. It lives in the runtime's folder and holds nothing of any function.
 */
export function handler(): void {
  // Never called.
}
