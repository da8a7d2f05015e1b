/**
 * Reads the image references of a Dockerfile with a real parser (dockerfile-ast, the parser
 * behind the Docker language server), and rewrites them: `FROM httpd` becomes `FROM sha256:...`
 * so a child is built on exactly the parent image this run chose, never on whatever a tag
 * points to and never on a registry lookup.
 */
import { Arg, Copy, DockerfileParser, Env, Onbuild } from 'dockerfile-ast';

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface ImageUse {
  kind: 'from' | 'copy-from';
  /** the reference as written, e.g. `httpd`, `vendor/busybox:1.35` */
  ref: string;
  /** 1-based position of the reference */
  line: number;
  col: number;
  start: number;
  end: number;
}

/** One instruction, as policy rules read it. */
export interface Instruction {
  keyword: string;
  /** the arguments as written, continuation lines joined */
  args: string;
  line: number;
  col: number;
  /** index of the stage (FROM) the instruction belongs to */
  stage: number;
  /** ARG and ENV: the names and values they set */
  properties?: { name: string; value: string | null }[];
  /** ONBUILD: the keyword of the instruction it injects */
  trigger?: string;
}

export interface DockerfileInfo {
  /** stage names declared with `AS` */
  stages: string[];
  /** references to images that are not stages of this Dockerfile and not `scratch` */
  images: ImageUse[];
  instructions: Instruction[];
  /** how many stages (FROM instructions) there are */
  stageCount: number;
}

/** Where readings of Dockerfiles come from: readDockerfile's, or the same remembered from an earlier run. */
export interface DockerfileInfos {
  read(text: string): DockerfileInfo;
}

export function readDockerfile(text: string): DockerfileInfo {
  const dockerfile = DockerfileParser.parse(text);
  const offsets = lineOffsets(text);
  const stages: string[] = [];
  const images: ImageUse[] = [];
  const instructions: Instruction[] = [];
  let stage = -1;
  const use = (kind: ImageUse['kind'], ref: string, range: Range): void => {
    const isStage = stages.includes(ref.toLowerCase()) || /^\d+$/.test(ref);
    if (isStage || ref.toLowerCase() === 'scratch') return;
    const start = (offsets[range.start.line] ?? 0) + range.start.character;
    const end = (offsets[range.end.line] ?? 0) + range.end.character;
    images.push({ kind, ref, line: range.start.line + 1, col: range.start.character + 1, start, end });
  };

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') stage += 1;
    const start = instruction.getRange().start;
    instructions.push({
      keyword,
      args: instruction.getArgumentsContent() ?? '',
      line: start.line + 1,
      col: start.character + 1,
      stage: Math.max(stage, 0),
      ...(instruction instanceof Arg || instruction instanceof Env ? { properties: instruction.getProperties().map((p) => ({ name: p.getName(), value: p.getValue() })) } : {}),
      ...(instruction instanceof Onbuild ? { trigger: instruction.getTriggerInstruction()?.getKeyword() ?? '' } : {}),
    });
    if (keyword === 'FROM') {
      const from = dockerfile.getFROMs().find((f) => f.getRange().start.line === instruction.getRange().start.line);
      const image = from?.getImage();
      const range = from?.getImageRange();
      if (from && image && range) use('from', image, range);
      const stage = from?.getBuildStage();
      if (stage) stages.push(stage.toLowerCase());
    } else if (instruction instanceof Copy) {
      const flag = instruction.getFromFlag();
      const value = flag?.getValue();
      const range = flag?.getValueRange();
      if (value && range) use('copy-from', value, range);
    }
  }
  return { stages, images, instructions, stageCount: stage + 1 };
}

/** Whether a reading (one remembered from an earlier run) is what reading the text gives now. */
export function readsAs(text: string, info: DockerfileInfo): boolean {
  return JSON.stringify(readDockerfile(text)) === JSON.stringify(info);
}

/** Replaces every image reference named in `replacements` by its replacement. */
export function rewriteImages(text: string, info: DockerfileInfo, replacements: Record<string, string>): string {
  let out = text;
  // Right to left, so earlier offsets stay valid.
  for (const use of [...info.images].sort((a, b) => b.start - a.start)) {
    const replacement = replacements[use.ref];
    if (replacement !== undefined) out = out.slice(0, use.start) + replacement + out.slice(use.end);
  }
  return out;
}

function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) offsets.push(i + 1);
  return offsets;
}

/**
 * The image the final stage is built on, following stage names (`FROM build AS web` ... `FROM
 * web`): a reference as written, or undefined for `scratch` or a Dockerfile without FROM.
 */
export function finalBase(info: DockerfileInfo): string | undefined {
  const stageImage = new Map<string, string>();
  let last: string | undefined;
  for (const from of info.instructions.filter((i) => i.keyword === 'FROM')) {
    const words = from.args.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
    const image = words[0];
    if (!image) continue;
    const resolved = stageImage.get(image.toLowerCase()) ?? image;
    if (words[1]?.toLowerCase() === 'as' && words[2]) stageImage.set(words[2].toLowerCase(), resolved);
    last = resolved;
  }
  return last?.toLowerCase() === 'scratch' ? undefined : last;
}
