/** `chain graph`: the graph by tier with owners. */
import { ExitCode, fail } from '../../core/errors.js';
import { chainGraph } from '../../core/graph.js';
import { openChain, type Run } from '../command.js';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from '../render/graph.js';

export const run: Run = async (_args, opts, io) => {
  const format = (opts.format ?? (opts.json ? 'json' : 'text')) as GraphFormat;
  if (!GRAPH_FORMATS.includes(format)) fail('E_USAGE', `unknown graph format '${format}'`, { hint: `formats: ${GRAPH_FORMATS.join(', ')}` });
  const { config } = (await openChain(opts, io)).loaded;
  io.out(renderGraph(config, chainGraph(config), format));
  return ExitCode.ok;
};
