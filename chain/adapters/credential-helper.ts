/**
 * Asks a Docker credential helper (`docker-credential-<suffix> get`) for a registry's credentials,
 * by the protocol of docker/docker-credential-helpers (client/client.go): the server URL on stdin,
 * `{"ServerURL","Username","Secret"}` on stdout, or "credentials not found in native keychain"
 * on stdout with a non-zero exit. The secret is never quoted in an error.
 */
import { spawnSync, type SpawnSyncOptionsWithStringEncoding } from 'node:child_process';
import { ExitCode, fail } from '../core/errors.js';

/** The docker CLI waits on a helper forever; chain does not, so that a locked keychain cannot hang a build. */
export const HELPER_TIMEOUT_MS = 10_000;

const NOT_FOUND = 'credentials not found in native keychain';

export interface HelperAnswer {
  username: string;
  secret: string;
}

export interface HelperCall {
  /** the suffix after `docker-credential-`, as config.json names it */
  suffix: string;
  /** the key the credentials are filed under, as the docker CLI passes it */
  serverUrl: string;
  /** the environment to run it in: PATH comes from here, never from this process */
  env: Record<string, string | undefined>;
  /** config.json and the setting in it that chose the helper, for the hint */
  configFile: string;
  setting: string;
  timeoutMs?: number;
}

/** The helper's answer, or undefined when it holds nothing for that server; ChainError E_CREDENTIALS when it cannot answer. */
export function credentialHelperGet(call: HelperCall): HelperAnswer | undefined {
  const program = `docker-credential-${call.suffix}`;
  const timeoutMs = call.timeoutMs ?? HELPER_TIMEOUT_MS;
  const broken = (what: string, fix: string): never =>
    fail(
      'E_CREDENTIALS',
      `the credential helper ${program} ${what} for ${call.serverUrl}`,
      { hint: `${fix}, or change ${call.setting} in ${call.configFile}`, location: { file: call.configFile } },
      ExitCode.registry,
    );
  // Node looks the program up on the PATH of the env it is given. A process group of its own
  // (`detached`, which spawnSync honours though its types leave it out) lets a helper that hangs
  // be killed with whatever it started, such as a shell script's children.
  const env = Object.fromEntries(Object.entries(call.env).filter((e): e is [string, string] => e[1] !== undefined));
  const options: SpawnSyncOptionsWithStringEncoding & { detached: boolean } = { input: call.serverUrl, env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', detached: true };
  const run = spawnSync(program, ['get'], options);
  const code = (run.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') {
    if (run.pid) killGroup(run.pid);
    return broken(`did not answer within ${timeoutMs / 1000} s`, `check that ${program} can reach its store (a locked keychain waits for a password)`);
  }
  if (code === 'ENOENT') return broken('is not on PATH', `install ${program} on PATH`);
  if (run.error) return broken(`cannot be run (${code ?? run.error.message})`, `check that ${program} is an executable on PATH`);
  const out = run.stdout.trim();
  if (run.status !== 0) {
    if (out === NOT_FOUND) return undefined;
    return broken(`failed (${run.signal ? `killed by ${run.signal}` : `exit status ${run.status}`}${said(out)})`, `run 'echo ${call.serverUrl} | ${program} get' to see why`);
  }
  const answer = parseAnswer(out);
  if (!answer) return broken('answered with something that is not credentials JSON', `check that ${program} speaks the credential helper protocol`);
  return answer;
}

/**
 * The helper's own words when it fails, as the docker CLI shows them: helpers print their error
 * there. Anything shaped like JSON is left out, since it may be credentials after all.
 */
function said(out: string): string {
  const line = out.split('\n')[0]?.trim() ?? '';
  return line && !line.startsWith('{') ? `: ${line.slice(0, 160)}` : '';
}

/** `{"ServerURL","Username","Secret"}` (pure); undefined when the text is anything else. */
export function parseAnswer(text: string): HelperAnswer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { Username, Secret } = json as { Username?: unknown; Secret?: unknown };
  return typeof Username === 'string' && typeof Secret === 'string' ? { username: Username, secret: Secret } : undefined;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone with the helper itself
  }
}
