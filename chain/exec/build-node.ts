/**
 * Builds one node on the Docker Engine and tries it: rewrite, pack, build (untagged), run its
 * tests, then tag it with its fingerprint, push it and record it. The fingerprint tag is what
 * makes a node up to date, so an image gets it only once its tests pass: a killed or failed run
 * leaves an untagged image that the next run does not trust. Human tags are the executor's to move.
 */
import path from 'node:path';
import { rewriteImages } from '../core/dockerfile.js';
import { fingerprintTag, imageRepository, publishedRepository } from '../core/model.js';
import { packContext } from '../adapters/context.js';
import type { NodeBuild, NodeBuildResult } from './build-types.js';
import { checkBuild, pullWatch } from './build-checks.js';
import { finalParent, imageLabels, labelInstruction } from './labels.js';
import { openNodeLog } from './node-log.js';
import { runTests } from './node-tests.js';
import { recordBuild } from './record.js';

/** The name of the rewritten Dockerfile added to the context; it cannot clash with a user's file name we read. */
const GENERATED_DOCKERFILE = '.chain.Dockerfile';

export async function buildNode(build: NodeBuild): Promise<NodeBuildResult> {
  const { node, inputs } = build;
  const logFile = build.state.logFile(node.name);
  const log = openNodeLog(logFile);
  const pulls = pullWatch();
  const onLine = (line: string) => {
    pulls.line(line);
    log.write(line);
    build.onLine(line);
    if (/^Step \d+\/\d+ :/.test(line)) build.onStep(line);
  };

  const startedOn = new Date().toISOString();
  try {
    onLine(`# chain build ${node.name} fingerprint ${build.plan.fingerprint}`);
    const imageId = await buildImage(build, onLine);
    onLine(`# built ${imageId}`);
    const base = finalParent(build);
    const baseImage = base !== undefined ? build.parents[base] : undefined;
    await checkBuild(build.engine, node.name, imageId, pulls.pulled, base && baseImage ? { name: base, id: baseImage.id } : undefined);
    await runTests(build, imageId, onLine);
    log.check(); // a state folder that cannot be written stops here, before anything is published
    // No current image without custody: the fingerprint tag that makes the image current here
    // comes last, once its record is durable and, when pushed, its attestation is beside it in the
    // registry (where the attestation is what makes it current). A kill at any step before leaves
    // an image the next run does not trust, and rebuilds (from the layer cache) or re-attests.
    const fpTag = fingerprintTag(build.plan.fingerprint);
    const tags: string[] = [];
    let pushed: string | undefined;
    const published = publishedRepository(inputs.config, node.name);
    if (build.publish && published) {
      await build.engine.tag(imageId, published, fpTag);
      pushed = `${published}@${await build.engine.push(published, fpTag, build.publish.credentials)}`;
      tags.push(`${published}:${fpTag}`);
      onLine(`# pushed ${pushed}`);
    }
    await recordBuild(build, { imageId, startedOn, ...(pushed ? { pushed } : {}) }, onLine);
    const repo = imageRepository(inputs.config, node.name);
    await build.engine.tag(imageId, repo, fpTag);
    tags.unshift(`${repo}:${fpTag}`);
    onLine(`# current ${repo}:${fpTag}`);
    return { imageId, ...(pushed ? { digest: pushed } : {}), tags, log: logFile };
  } finally {
    await log.close();
  }
}

/** The image, untagged: the Dockerfile with every parent pinned to its exact image and the labels added. */
async function buildImage(build: NodeBuild, onLine: (line: string) => void): Promise<string> {
  const { node, inputs } = build;
  const dockerfile = inputs.dockerfiles[node.name];
  const snapshot = inputs.snapshots[node.name];
  if (!dockerfile || !snapshot) throw new Error(`build: ${node.name} was not read`);
  const pinned = Object.fromEntries(Object.entries(build.parents).map(([name, image]) => [name, image.id]));
  const text = `${rewriteImages(dockerfile.text, dockerfile.info, pinned)}\n${labelInstruction(imageLabels(build))}\n`;
  const context = packContext(path.join(inputs.config.root, node.path), snapshot, { [GENERATED_DOCKERFILE]: text });
  return build.engine.build(context, {
    dockerfile: GENERATED_DOCKERFILE,
    buildargs: node.args,
    nocache: build.plan.reasons.some((reason) => reason.kind === 'forced'),
    onLine,
    ...(build.signal ? { signal: build.signal } : {}),
  });
}
