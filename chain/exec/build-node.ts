/**
 * Builds one node on the Docker Engine and tries it: rewrite, pack, build (untagged; or, when the
 * plan says rebase, its earlier image's own layers placed on its new base: rebase-node.ts), run its
 * tests, then tag it with its fingerprint, push it and record it (or, when another runner
 * published the same fingerprint first, adopt that runner's image: publish-node.ts). The fingerprint tag is what
 * makes a node up to date, so an image gets it only once its tests pass: a killed or failed run
 * leaves an untagged image that the next run does not trust. Human tags are the executor's to move.
 */
import path from 'node:path';
import { rewriteImages } from '../core/dockerfile.js';
import { builderOf, fingerprintTag, imageRepository, publishedRepository } from '../core/model.js';
import type { LocalImage } from '../core/inputs.js';
import { packContext } from '../adapters/context-pack.js';
import type { NodeBuild, NodeBuildResult } from './build-types.js';
import { checkBuild, pullWatch } from './build-checks.js';
import { finalParent, imageLabels, labelInstruction } from './labels.js';
import { openNodeLog } from './node-log.js';
import { runTests, TestFailedError } from './node-tests.js';
import { rebaseImage, RebaseUnavailable, type Rebased } from './rebase-node.js';
import { adopt, claim, stage } from './publish-node.js';
import { recordBuild } from './record.js';

/** The name of the rewritten Dockerfile added to the context; it cannot clash with a user's file name we read. */
const GENERATED_DOCKERFILE = '.chain.Dockerfile';

export async function buildNode(build: NodeBuild): Promise<NodeBuildResult> {
  const { node, inputs } = build;
  const logFile = build.state.logFile(node.name);
  const log = openNodeLog(logFile);
  const pulls = pullWatch();
  const redact = redactor(Object.values(build.secrets ?? {}));
  const onLine = (raw: string) => {
    const line = redact(raw); // defence in depth: a secret's value never reaches the log or the reporter
    pulls.line(line);
    log.write(line);
    build.onLine(line);
    if (STEP_LINE.test(line)) build.onStep(line);
  };

  const startedOn = new Date().toISOString();
  try {
    onLine(`# chain build ${node.name} fingerprint ${build.plan.fingerprint}`);
    const made = await madeAndTested(build, onLine, pulls);
    const { imageId } = made;
    log.check(); // a state folder that cannot be written stops here, before anything is published
    // No current image without custody: the fingerprint tag that makes the image current here
    // comes last, once its record is durable and, when pushed, its attestation is beside it in the
    // registry (where the attestation is what makes it current). A kill at any step before leaves
    // an image the next run does not trust, and rebuilds (from the layer cache) or re-attests.
    const fpTag = fingerprintTag(build.plan.fingerprint);
    const repo = imageRepository(inputs.config, node.name);
    const published = publishedRepository(inputs.config, node.name);
    const tags: string[] = [];
    let pushed: string | undefined;
    if (build.publish && published) {
      // One image per fingerprint (claim.ts): another runner's image there first is adopted, not doubled.
      const staged = made.staged ?? (await stage(build, build.publish, imageId, onLine));
      build.yieldSlot?.(); // the rest waits on the registry (the claim's settle): another node may build meanwhile
      const claimed = await claim(build, build.publish, staged, onLine, build.plan.reasons.some((reason) => reason.kind === 'forced'));
      if (claimed.kind === 'adopt') return { ...(await adopt(build, build.publish, claimed, onLine)), log: logFile, adopted: true };
      pushed = staged;
      tags.push(`${published}:${fpTag}`);
      onLine(`# pushed ${pushed}`);
    }
    await recordBuild(build, { imageId, startedOn, ...(pushed ? { pushed } : {}), ...(made.rebased ? { rebased: made.rebased } : {}) }, onLine);
    if (build.publish && pushed) {
      // A runner that wrote the tag later than our settle time (a very slow one) had the last word: converge on it.
      const confirmed = await claim(build, build.publish, pushed, onLine);
      if (confirmed.kind === 'adopt') return { ...(await adopt(build, build.publish, confirmed, onLine)), log: logFile, adopted: true };
    }
    if (made.remote) onLine(`# current ${published}:${fpTag} (in the registry only: no test needed it in the engine)`);
    else {
      await build.engine.tag(imageId, repo, fpTag);
      tags.unshift(`${repo}:${fpTag}`);
      onLine(`# current ${repo}:${fpTag}`);
    }
    const rebased = made.rebased ? { rebasedFrom: made.rebased.from } : {};
    return { imageId, ...(pushed ? { digest: pushed } : {}), tags, log: logFile, ...rebased, ...(made.remote ? { remote: true as const } : {}) };
  } finally {
    await log.close();
  }
}

/** A step starting: the classic builder's `Step 2/5 : RUN make`, BuildKit's `[stage-0 2/3] RUN make` or `[2/3] RUN make`. */
const STEP_LINE = /^Step \d+\/\d+ :|^\[(?:[^\]\s]+ )?\d+\/\d+\] /;

/** Replaces every secret value in a line (values shorter than 4 bytes would blank ordinary text: they are left). */
export function redactor(values: readonly Buffer[]): (line: string) => string {
  const texts = values.map((v) => v.toString('utf8')).flatMap((v) => [v, ...v.split(/\r?\n/)]).filter((v) => v.trim().length >= 4);
  if (texts.length === 0) return (line) => line;
  const sorted = [...new Set(texts)].sort((a, b) => b.length - a.length);
  return (line) => sorted.reduce((out, text) => out.split(text).join('[secret]'), line);
}

/**
 * The new image, checked and tested: rebased when the plan says so (a rebase the engine can no
 * longer make, its earlier image gone, is a build), else built. A rebased image whose tests fail
 * fails the node, or with `rebaseFallback: rebuild` is built again from its Dockerfile and tested.
 */
async function madeAndTested(build: NodeBuild, onLine: (line: string) => void, pulls: ReturnType<typeof pullWatch>): Promise<{ imageId: string; staged?: string; rebased?: { from: string; onto: string }; remote?: true }> {
  const built = async () => {
    const parents = await build.localParents();
    const imageId = await buildImage(build, parents, onLine);
    onLine(`# built ${imageId}`);
    const base = finalParent(build);
    const baseImage = base !== undefined ? parents[base] : undefined;
    await checkBuild(build.engine, build.node.name, imageId, pulls.pulled, base && baseImage ? { name: base, id: baseImage.id } : undefined);
    await runTests(build, imageId, onLine);
    return { imageId };
  };
  if (build.plan.action !== 'rebase') return built();
  let rebased: Rebased;
  try {
    rebased = await rebaseImage(build, onLine);
  } catch (err) {
    if (!(err instanceof RebaseUnavailable)) throw err;
    onLine(`# cannot rebase: ${err.message}; building instead`);
    return built();
  }
  // No check of its layers: the rebased config lists the new base's and then its own, by construction.
  try {
    await runTests(build, rebased.imageId, onLine);
  } catch (err) {
    if (!(err instanceof TestFailedError) || build.node.rebaseFallback !== 'rebuild') throw err;
    onLine(`# the rebased image failed: ${err.message}; rebaseFallback: rebuild, so it is built from its Dockerfile`);
    return built();
  }
  return { imageId: rebased.imageId, ...(rebased.staged ? { staged: rebased.staged } : {}), rebased: { from: rebased.from, onto: rebased.onto }, ...(rebased.remote ? { remote: true as const } : {}) };
}

/** The image, untagged: the Dockerfile with every parent pinned to its exact image, and the labels. */
async function buildImage(build: NodeBuild, localParents: Record<string, LocalImage>, onLine: (line: string) => void): Promise<string> {
  const { node, inputs } = build;
  const dockerfile = inputs.dockerfiles[node.name];
  const snapshot = inputs.snapshots[node.name];
  if (!dockerfile || !snapshot) throw new Error(`build: ${node.name} was not read`);
  const builder = builderOf(inputs.config, node);
  const ids = Object.fromEntries(Object.entries(localParents).map(([name, image]) => [name, image.id]));
  const base = finalParent(build);
  const baseImage = base !== undefined ? localParents[base] : undefined;
  const shape = baseImage ? await build.engine.shape(baseImage.id) : undefined;
  // BuildKit takes no bare image ID in FROM: each parent gets a tag of this build's own.
  const parents = builder === 'buildkit' ? await build.engine.parentRefs(inputs.config.name, ids) : { refs: ids, release: async () => undefined };
  try {
    // Classic: the labels go on after the build, without a LABEL step's container; BuildKit's LABEL costs none.
    const labels = imageLabels(build, shape);
    const rewritten = rewriteImages(dockerfile.text, dockerfile.info, parents.refs);
    const text = builder === 'buildkit' ? `${rewritten}\n${labelInstruction(labels)}\n` : `${rewritten}\n`;
    const context = packContext(path.join(inputs.config.root, node.path), snapshot, { [GENERATED_DOCKERFILE]: text });
    return await build.engine.build(context, {
      dockerfile: GENERATED_DOCKERFILE,
      ...(builder === 'buildkit' ? {} : { labels }),
      buildargs: node.args,
      nocache: build.plan.reasons.some((reason) => reason.kind === 'forced'),
      builder,
      ...(build.secrets ? { secrets: build.secrets } : {}),
      onLine,
      ...(build.signal ? { signal: build.signal } : {}),
    });
  } finally {
    await parents.release();
  }
}
