import { setTimeout as sleep } from 'node:timers/promises';

/** Only a hung test ever reaches this; a slow machine makes waits longer, never a failure. */
const CAP_MS = 60_000;

/**
 * Waits for something the test cannot be told about directly (a request reaching the emulator, a row being written):
 * checks `condition` every 10 ms until it holds. Throws naming `what` only if it never does within a generous cap.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + CAP_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: still not so after ${CAP_MS / 1000} s`);
    await sleep(10);
  }
}
