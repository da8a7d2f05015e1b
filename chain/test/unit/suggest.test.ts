/** "Did you mean": the closest known name to a misspelt one. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closest, didYouMean, editDistance, hintWith } from '../../core/suggest.js';

test('edit distance counts insertions, deletions, substitutions and swapped neighbours', () => {
  assert.is(editDistance('plan', 'plan'), 0);
  assert.is(editDistance('plan', 'plna'), 1);
  assert.is(editDistance('httpd', 'htpd'), 1);
  assert.is(editDistance('httpd', 'httpdd'), 1);
  assert.is(editDistance('owner', 'ownre'), 1);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('', 'abc'), 3);
});

test('closest: a near miss finds its word; a far one finds nothing; case does not count', () => {
  const nodes = ['busybox', 'corebuild', 'httpd', 'runtime', 'site', 'docs', 'report'];
  assert.is(closest('htpd', nodes), 'httpd');
  assert.is(closest('corebiuld', nodes), 'corebuild');
  assert.is(closest('Site', nodes), 'site');
  assert.is(closest('nginx', nodes), undefined);
  assert.is(closest('x', nodes), undefined);
  assert.is(closest('site', nodes), undefined, 'the word itself is no suggestion');
  assert.is(closest('jsn', ['json', 'since']), 'json');
  assert.is(closest('test-timout', ['test-timeout', 'jobs']), 'test-timeout');
});

test('the hint leads with the suggestion, then what it said before', () => {
  assert.is(didYouMean('wbe', ['ops', 'web']), 'did you mean web?');
  assert.is(didYouMean('jsn', ['json'], (s) => `--${s}`), 'did you mean --json?');
  assert.is(hintWith('wbe', ['ops', 'web'], 'teams: ops, web'), 'did you mean web? teams: ops, web');
  assert.is(hintWith('zzz', ['ops', 'web'], 'teams: ops, web'), 'teams: ops, web');
});

test.run();
