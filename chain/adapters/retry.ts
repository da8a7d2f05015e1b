/**
 * Retrying a registry write that failed with HTTP 500. Debian's docker-registry (distribution 2.8,
 * filesystem driver) can answer 500 to concurrent PUTs of one tag, when their renames race; the
 * same write a moment later succeeds. Only that is retried, a bounded number of times with a
 * doubling wait: any other answer is final.
 */

export interface RetryPolicy {
  /** tries in all, the first one included */
  attempts: number;
  /** the wait before the second try; doubled before each next one */
  delayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const SERVER_ERROR_RETRY: RetryPolicy = { attempts: 4, delayMs: 250 };

/** Runs `attempt` again while `again` says its result is a server error, within the policy; returns the last result. */
export async function retryWhile<T>(attempt: () => Promise<T>, again: (result: T) => boolean, policy: RetryPolicy = SERVER_ERROR_RETRY): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let result = await attempt();
  for (let tried = 1, delay = policy.delayMs; tried < policy.attempts && again(result); tried++, delay *= 2) {
    await sleep(delay);
    result = await attempt();
  }
  return result;
}

/** Whether the engine's words for a failed push are a registry's HTTP 500 (as `received unexpected HTTP status: 500 Internal Server Error`). */
export function isServerError(message: string): boolean {
  return /\b500 Internal Server Error\b|\bHTTP status:? 500\b|\bstatus code 500\b/i.test(message);
}
