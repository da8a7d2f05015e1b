/** Defaults of the command line, shared by the commands that apply them and the help that states them. */
import { availableParallelism } from 'node:os';

/** Builds at once by default: builds wait on the engine as much as they compute. */
export const DEFAULT_JOBS = Math.max(2, 2 * availableParallelism());
/** Time limit of each image test, in seconds. */
export const DEFAULT_TEST_TIMEOUT_S = 120;
/** Fingerprint images of each node chain prune keeps, newest first. */
export const DEFAULT_KEEP = 3;
/** Argo: most tasks running at once. */
export const DEFAULT_PARALLELISM = 10;
/** How a CI job runs chain. */
export const DEFAULT_CHAIN_COMMAND = 'npx chain';
/** chain keys generate: the key pair's file name. */
export const DEFAULT_KEY_NAME = 'chain-signing';
/** The builder when neither chain.yaml nor --builder names one. */
export { DEFAULT_BUILDER } from '../core/model.js';
