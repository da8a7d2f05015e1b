/**
 * An HTTP proxy on loopback in front of a registry, for the registry tests. It forwards every
 * request as it came (the Host header too, so the upload locations the registry hands out point
 * back at the proxy) and records it; a request `drop` picks gets its connection dropped with no
 * answer instead (a registry lost mid-push).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryProxy {
  host: string;
  /** the requests forwarded since the last take, as `METHOD /path` */
  take: () => string[];
  /** the requests dropped, as `METHOD /path` */
  dropped: string[];
  close: () => Promise<void>;
}

export async function registryProxy(target: string, drop: (method: string, url: string) => boolean = () => false): Promise<RegistryProxy> {
  const [hostname, port] = target.split(':');
  let seen: string[] = [];
  const dropped: string[] = [];
  const server = http.createServer((req, res) => {
    const request = `${req.method} ${req.url}`;
    if (drop(req.method ?? '', req.url ?? '')) {
      dropped.push(request);
      req.socket.destroy();
      return;
    }
    seen.push(request);
    const upstream = http.request({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
    dropped,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
