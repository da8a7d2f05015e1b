/**
 * What the builder would read differently from the Dockerfile parser: chain checks a Dockerfile
 * with dockerfile-ast, which reads the newest BuildKit syntax, but builds it with the engine's
 * classic builder or with the Dockerfile frontend built into the engine's BuildKit (Engine 20.10:
 * `RUN --mount` yes, heredocs no). Where the two disagree the checks would look at one file and
 * the engine run another (a `FROM` hidden in a heredoc is a new stage to the builder), so such
 * constructs are refused, each at its line. Pure: text in, findings out.
 */
import type { DockerfileInfo } from './dockerfile.js';
import type { Builder } from './model.js';

export interface Hazard {
  line: number;
  col: number;
  message: string;
  hint: string;
  /** E_DOCKERFILE_SYNTAX for a `# syntax=` directive (a frontend chain would have to pull); else unset */
  code?: string;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"` as BuildKit reads a heredoc in RUN, COPY and ADD. */
const HEREDOC = /(^|[\s=])<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\2/;
/** Parser directives: lines `# key=value` before any instruction or other comment. */
const DIRECTIVE = /^#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/;
/** A RUN flag (`--mount=...`, `--network=...`) on the instruction's first line, which only BuildKit reads. */
const RUN_FLAG = /^\s*RUN\s+(?:--\S+\s+)*--(mount|network|security)\b/i;

const BUILDERS: Record<Builder, string> = { classic: 'the classic builder', buildkit: "the engine's built-in BuildKit Dockerfile frontend" };

export function builderHazards(text: string, info: DockerfileInfo, builder: Builder): Hazard[] {
  const hazards: Hazard[] = [];
  const who = BUILDERS[builder];
  const lines = text.split(/\r?\n/);
  for (const i of info.instructions) {
    if (!['RUN', 'COPY', 'ADD'].includes(i.keyword)) continue;
    const heredoc = HEREDOC.exec(i.args);
    if (heredoc) {
      hazards.push({
        line: i.line,
        col: i.col,
        message: `${i.keyword} uses a heredoc (${heredoc[0].trim()}), which ${who} does not read: it runs the lines after it as instructions of their own`,
        hint: 'write the lines into a file of the context and COPY it, or join them with && and \\ continuations',
      });
    }
    // The parser keeps flags apart from the arguments: the instruction's line is read for them.
    const flag = i.keyword === 'RUN' && builder === 'classic' ? RUN_FLAG.exec(lines[i.line - 1] ?? '') : null;
    if (flag) {
      hazards.push({
        line: i.line,
        col: i.col,
        message: `RUN --${flag[1]} needs BuildKit, but the classic builder builds this node`,
        hint: "set builder: buildkit for the node (in its layer.yaml or chain.yaml), or for the whole chain",
      });
    }
  }
  for (const [index, line] of lines.entries()) {
    const directive = DIRECTIVE.exec(line);
    if (!directive) break; // directives end at the first line that is not one
    const key = (directive[1] as string).toLowerCase();
    if (key === 'escape') continue;
    if (key === 'syntax') {
      hazards.push({
        line: index + 1,
        col: 1,
        code: 'E_DOCKERFILE_SYNTAX',
        message: `'# syntax=${directive[2]}' names a Dockerfile frontend to pull, and chain never pulls one: it builds with ${who}`,
        hint: 'remove the line: the engine’s own frontend reads RUN --mount (builder: buildkit); heredocs and newer syntax are not available on this engine',
      });
      continue;
    }
    hazards.push({ line: index + 1, col: 1, message: `the parser directive '# ${key}=' is ignored by ${who} that builds this image`, hint: 'remove it' });
  }
  return hazards.sort((a, b) => a.line - b.line);
}

/** The classic builder's hazards (the default builder). */
export function classicBuilderHazards(text: string, info: DockerfileInfo): Hazard[] {
  return builderHazards(text, info, 'classic');
}
