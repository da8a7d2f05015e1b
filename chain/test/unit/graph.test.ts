import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildGraph } from '../../core/graph.js';

// base -> core -> {web, rt} -> apps; docs has two parents (a DAG, not a tree)
const g = buildGraph({ base: [], core: ['base'], web: ['core'], rt: ['core'], site: ['web'], docs: ['web', 'rt'], report: ['rt'] });

test('waves: every node one wave after its deepest parent', () => {
  assert.equal(g.waves(), [['base'], ['core'], ['rt', 'web'], ['docs', 'report', 'site']]);
});

test('waves of a subset only count parents inside the subset', () => {
  assert.equal(g.waves(['site', 'web', 'report']), [['report', 'web'], ['site']]);
});

test('ancestors and descendants are transitive and exclude the start', () => {
  assert.equal([...g.ancestors(['docs'])].sort(), ['base', 'core', 'rt', 'web']);
  assert.equal([...g.descendants(['core'])].sort(), ['docs', 'report', 'rt', 'site', 'web']);
  assert.equal([...g.descendants(['site'])], []);
});

test('parents and children are sorted', () => {
  assert.equal(g.parents('docs'), ['rt', 'web']);
  assert.equal(g.children('core'), ['rt', 'web']);
});

test('no cycles in a DAG', () => {
  assert.equal(g.cycles(), []);
});

test('cycles come back as full paths', () => {
  const c = buildGraph({ a: ['c'], b: ['a'], c: ['b'], d: ['d'], e: [] });
  assert.equal(c.cycles(), [['a', 'b', 'c', 'a'], ['d', 'd']]);
});

test.run();
