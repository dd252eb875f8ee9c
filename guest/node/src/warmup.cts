/**
 * An empty CommonJS module. A stem cell imports it while it waits for its function
 * (bootstrap.mts): the first CommonJS module a Node.js process imports pays for setting up the
 * loader's CommonJS translation (about 4 ms measured on this project's machine), and most
 * handlers are CommonJS. Paying it before the assignment takes it off the cold start.
 */
export {};
