/** `chain graph`: the graph by tier with owners. */
import { fail } from '../../core/errors.js';
import { hintWith } from '../../core/suggest.js';
import { chainGraph } from '../../core/graph.js';
import { openChain } from '../../app/open.js';
import { chainFile, type Command } from '../command.js';
import { GRAPH_FORMATS, graphData, renderGraph, type GraphData, type GraphFormat } from '../render/graph.js';

export const command: Command<GraphData> = {
  async run(ctx) {
    formatOf(ctx.opts); // a wrong format is said before anything is read
    const { config } = await openChain(chainFile(ctx));
    return { data: graphData(config, chainGraph(config)) };
  },
  render: (data, view) => renderGraph(data, formatOf(view.opts)),
};

function formatOf(opts: { format?: string; json?: boolean }): GraphFormat {
  const format = (opts.format ?? (opts.json ? 'json' : 'text')) as GraphFormat;
  if (!GRAPH_FORMATS.includes(format)) fail('E_USAGE', `unknown graph format '${format}'`, { hint: hintWith(format, GRAPH_FORMATS, `formats: ${GRAPH_FORMATS.join(', ')}`) });
  return format;
}
