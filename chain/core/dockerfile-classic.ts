/**
 * What the classic builder would read differently from the Dockerfile parser: chain checks a
 * Dockerfile with dockerfile-ast, which reads BuildKit's syntax, but builds it with the classic
 * builder. Where the two disagree the checks would look at one file and the engine run another
 * (a `FROM` hidden in a heredoc is a new stage to the classic builder), so such constructs are
 * refused, each at its line. Pure: text in, findings out.
 */
import type { DockerfileInfo } from './dockerfile.js';

export interface Hazard {
  line: number;
  col: number;
  message: string;
  hint: string;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"` as BuildKit reads a heredoc in RUN, COPY and ADD. */
const HEREDOC = /(^|[\s=])<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\2/;
/** Parser directives: lines `# key=value` before any instruction or other comment. */
const DIRECTIVE = /^#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/;

export function classicBuilderHazards(text: string, info: DockerfileInfo): Hazard[] {
  const hazards: Hazard[] = [];
  for (const i of info.instructions) {
    if (!['RUN', 'COPY', 'ADD'].includes(i.keyword)) continue;
    const heredoc = HEREDOC.exec(i.args);
    if (heredoc) {
      hazards.push({
        line: i.line,
        col: i.col,
        message: `${i.keyword} uses a heredoc (${heredoc[0].trim()}), which the classic builder does not read: it runs the lines after it as instructions of their own`,
        hint: 'write the lines into a file of the context and COPY it, or join them with && and \\ continuations',
      });
    }
  }
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const directive = DIRECTIVE.exec(line);
    if (!directive) break; // directives end at the first line that is not one
    const key = (directive[1] as string).toLowerCase();
    if (key === 'escape') continue;
    hazards.push({
      line: index + 1,
      col: 1,
      message: `the parser directive '# ${key}=' is ignored by the classic builder that builds this image`,
      hint: key === 'syntax' ? 'remove it: chain builds with the engine’s own Dockerfile frontend and never pulls one' : 'remove it',
    });
  }
  return hazards.sort((a, b) => a.line - b.line);
}
