/** The command table. Each command's code is loaded only when it runs. */
import type { Run } from '../command.js';

export interface CommandSpec {
  summary: string;
  usage: string;
  load: () => Promise<{ run: Run }>;
}

export const commands: Record<string, CommandSpec> = {
  plan: {
    summary: 'what must be rebuilt and why, by wave and by owner',
    usage: 'chain plan [node...] [--json] [--force] [--file <chain.yaml>]',
    load: () => import('./plan.js'),
  },
  build: {
    summary: 'build what the plan says, in parallel, test each image, promote what succeeded',
    usage: 'chain build [node...] [--json] [--jobs N] [--fail-fast] [--atomic] [--no-wait] [--test-timeout S] [--force] [--verbose] [--file <chain.yaml>]',
    load: () => import('./build.js'),
  },
  graph: {
    summary: 'the graph by tier with owners (text, dot, mermaid or json)',
    usage: 'chain graph [--format text|dot|mermaid|json] [--file <chain.yaml>]',
    load: () => import('./graph.js'),
  },
};
