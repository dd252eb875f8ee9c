/**
 * An empty ES module. A stem cell imports it while it waits for its function (bootstrap.mts):
 * the bootstrap is CommonJS (one bundled file, docs/performance.md), so the first `import()` of
 * a process pays for starting Node's ES module loader; an ES module handler's cold start would
 * pay it after the assignment. CommonJS handlers are require()d (handler.mts): warmup-require.cts
 * warms that path.
 */
export {};
