/**
 * non-root-user: the image must run as a non-root user. A final stage without USER runs as the
 * user of what it is built on, so a user inherited from a parent node counts (`USER 10001` in
 * the core build serves every image built on it), unless the rule says `inherited: false`, which
 * asks every image to name its user itself.
 */
import { at, type Check, type Finding } from './check-types.js';
import { imageUser, isRoot, type ImageUser } from './image-user.js';

const HINT = 'end the final stage with USER <non-root uid> (e.g. USER 10001)';

export const nonRootUser: Check = {
  params: ['inherited'],
  run(facts, params, ctx) {
    const { dockerfile } = facts;
    if (!dockerfile || facts.node.kind !== 'built') return [];
    const { info } = dockerfile;
    const finalStage = info.stageCount - 1;
    const own = info.instructions.filter((i) => i.keyword === 'USER' && i.stage === finalStage).at(-1);
    if (own) return isRoot(own.args) ? [{ message: `the image runs as root: its final stage ends with USER ${own.args.trim()}`, hint: HINT, location: at(facts, own) }] : [];
    const from = info.instructions.filter((i) => i.keyword === 'FROM').at(-1);
    const location = from ? at(facts, from) : { file: dockerfile.file, line: 1, col: 1 };
    const dockerfiles = ctx.dockerfiles ?? { [facts.node.name]: dockerfile };
    const inherited = imageUser(ctx.config, dockerfiles, facts.node.name);
    const finding = (message: string): Finding[] => [{ message, hint: HINT, location }];
    if (params.inherited === false) {
      const would = inherited.kind === 'user' ? `; it would run as ${inherited.user}, set in ${setBy(inherited)}` : '';
      return finding(`its final stage sets no USER of its own: this rule (inherited: false) asks every image to name its non-root user itself${would}`);
    }
    if (inherited.kind === 'user') return isRoot(inherited.user) ? finding(`the image runs as root: its final stage sets no USER and inherits USER ${inherited.user} from ${setBy(inherited)}`) : [];
    if (inherited.kind === 'scratch') return finding('the image runs as root: it is built FROM scratch and sets no USER');
    const base = inherited.node ? `${inherited.node} (${inherited.image})` : inherited.image;
    return finding(`no USER in the final stage, nor in any node it is built on down to ${base}, whose user chain cannot read: this rule asks that the image run as a non-root user set by USER in its Dockerfile or a parent node's`);
  },
};

function setBy(user: Extract<ImageUser, { kind: 'user' }>): string {
  return `${user.node}'s Dockerfile, line ${user.line}`;
}
