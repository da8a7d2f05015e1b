/** The build lock on the state folder, with no engine: a dead holder's lock is taken over, a live one's is not. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireBuildLock } from '../../adapters/lock.js';
import type { ChainError } from '../../core/errors.js';
import { removeDirs, tempDir } from '../helpers.js';

test('a lock whose holder died is taken over, not waited on forever', async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, '.chain');
  // What a SIGKILLed holder leaves: the lock, no longer refreshed.
  mkdirSync(path.join(stateDir, 'build.lock'), { recursive: true });
  writeFileSync(path.join(stateDir, 'build'), '');
  const longAgo = new Date(Date.now() - 60_000);
  utimesSync(path.join(stateDir, 'build.lock'), longAgo, longAgo);
  let waited = false;
  // --no-wait refuses a lock that is held; succeeding under it proves the stale lock was taken over, not waited on.
  const release = await acquireBuildLock(stateDir, { noWait: true, onWait: () => (waited = true) });
  assert.is(waited, false);
  // A live holder (this one) is refused under --no-wait.
  const second = await acquireBuildLock(stateDir, { noWait: true, onWait: () => undefined }).then(
    () => 'acquired',
    (err: ChainError) => err.code,
  );
  assert.is(second, 'E_LOCKED', 'a held lock refuses --no-wait');
  await release();
  removeDirs(dir);
});

test.run();
