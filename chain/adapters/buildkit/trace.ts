/**
 * BuildKit's progress in a /build stream: every `moby.buildkit.trace` event carries a base64
 * protobuf StatusResponse (proto/status.proto). The reader turns them into what the classic
 * builder gives: lines for the node's log (each step's name as it starts, then its output), the
 * step a failed build stopped at with its last lines, and any pull. Pure once decoded; tested on
 * a recorded stream.
 */
import { loadProto } from './protos.js';

interface Timestamp { seconds: number; nanos: number }
export interface Vertex { digest: string; inputs: string[]; name: string; cached: boolean; started?: Timestamp | null; completed?: Timestamp | null; error: string }
export interface VertexStatus { ID: string; vertex: string; name: string; current: number; total: number }
export interface VertexLog { vertex: string; stream: number; msg: Buffer }
export interface StatusResponse { vertexes: Vertex[]; statuses: VertexStatus[]; logs: VertexLog[]; warnings: { vertex: string; short: Buffer }[] }

let decoder: ((data: Buffer) => StatusResponse) | undefined;

/** Decodes one trace event's aux (base64 StatusResponse). */
export function decodeTrace(aux: string): StatusResponse {
  if (!decoder) {
    const method = (loadProto('status')['moby.buildkit.v1.Control'] as Record<string, { responseDeserialize: (data: Buffer) => StatusResponse }>).Status;
    if (!method) throw new Error('buildkit: status.proto has no Control.Status');
    decoder = method.responseDeserialize;
  }
  return decoder(Buffer.from(aux, 'base64'));
}

/** `[stage-0 2/3] RUN make` (`[2/3] RUN make` in a one-stage Dockerfile): a Dockerfile step as BuildKit names its vertex. */
const STEP = /^\[(?:([^\]\s]+) )?(\d+)\/(\d+)\] (.*)$/s;
/** What a pull looks like in vertex statuses: a reference resolved remotely, layers downloaded. */
const PULL = /^(resolve |pulling |downloading|extracting)/i;

/** The instruction text of a step's vertex name, or undefined for BuildKit's own vertexes ([internal] ...). */
export function stepText(name: string): string | undefined {
  return STEP.exec(name)?.[4];
}

export interface TraceStep {
  /** the instruction as BuildKit names it, `RUN make` */
  text: string;
  /** the vertex's name, `[stage-0 2/3] RUN make` */
  name: string;
  output: string[];
  error?: string;
}

interface VertexState { name: string; shown: boolean; cached: boolean; completed: boolean; partial: Map<number, string>; tail: string[] }

/** Follows a build's StatusResponses; `feed` returns the new log lines, in order. */
export class TraceReader {
  private readonly vertexes = new Map<string, VertexState>();
  private failedAt: VertexState | undefined;
  private failure: string | undefined;
  /** the first pull seen (a status line), if any */
  pulled: string | undefined;

  constructor(private readonly tailLength: number) {}

  feed(status: StatusResponse): string[] {
    const lines: string[] = [];
    for (const v of status.vertexes) {
      const state = this.vertex(v.digest, v.name);
      if (!state.shown && (v.started || v.cached)) {
        state.shown = true;
        lines.push(state.name);
      }
      if (v.cached && !state.cached) {
        state.cached = true;
        lines.push('CACHED');
      }
      if (v.completed && !state.completed) {
        state.completed = true;
        lines.push(...this.flush(state));
        if (v.error) {
          lines.push(`ERROR: ${v.error}`);
          // The first error is the failure; the vertexes cancelled after it say "context canceled".
          if (!this.failedAt || /context canceled/.test(this.failure ?? '')) {
            this.failedAt = state;
            this.failure = v.error;
          }
        }
      }
    }
    for (const s of status.statuses) {
      if (this.pulled === undefined && (PULL.test(s.ID) || PULL.test(s.name))) {
        this.pulled = `${s.ID} ${s.name}`.trim();
        lines.push(`[pull] ${this.pulled}`);
      }
    }
    for (const log of status.logs) {
      const state = this.vertex(log.vertex);
      const text = (state.partial.get(log.stream) ?? '') + log.msg.toString('utf8');
      const parts = text.split(/\r?\n/);
      state.partial.set(log.stream, parts.pop() as string);
      for (const line of parts) lines.push(...this.output(state, line));
    }
    return lines;
  }

  /** What is left unterminated at the end of the stream. */
  end(): string[] {
    return [...this.vertexes.values()].flatMap((state) => this.flush(state));
  }

  /** The step the build failed at (a Dockerfile step, else BuildKit's own vertex), with its last lines. */
  failed(): TraceStep | undefined {
    const state = this.failedAt;
    if (!state) return undefined;
    return { text: stepText(state.name) ?? state.name, name: state.name, output: [...state.tail], ...(this.failure ? { error: this.failure } : {}) };
  }

  private vertex(digest: string, name?: string): VertexState {
    let state = this.vertexes.get(digest);
    if (!state) {
      state = { name: name ?? digest, shown: false, cached: false, completed: false, partial: new Map(), tail: [] };
      this.vertexes.set(digest, state);
    } else if (name && state.name === digest) state.name = name;
    return state;
  }

  private output(state: VertexState, line: string): string[] {
    if (line.trim() === '') return [];
    state.tail.push(line);
    if (state.tail.length > this.tailLength) state.tail.shift();
    return [line];
  }

  private flush(state: VertexState): string[] {
    const rest = [...state.partial.values()].flatMap((line) => this.output(state, line));
    state.partial.clear();
    return rest;
  }
}
