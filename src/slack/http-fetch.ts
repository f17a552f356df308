import type { FetchFunction } from '@slack/web-api';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Connections to Slack are kept open between installs, as fetch would keep them.
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

function toHeaders(raw: IncomingHttpHeaders): FetchResponse['headers'] {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(raw))
    if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value);
  return { get: (name: string) => map.get(name.toLowerCase()) ?? null, entries: () => map.entries() };
}

/**
 * WebClient's `fetch` option (its FetchFunction), over node:http. Node's fetch builds web streams for every
 * request and answer, which made the install's one Slack call its costliest step after the fsync; this reads
 * the small JSON answer into a buffer. Redirects are not followed (WebClient asks for `redirect: 'error'`: a 3xx
 * comes back as a status, which WebClient refuses as an HTTP error). Only string bodies: no file uploads here.
 */
export const httpFetch: FetchFunction = (input, init = {}) =>
  new Promise<FetchResponse>((resolve, reject) => {
    if (init.body !== undefined && typeof init.body !== 'string') {
      reject(new TypeError('httpFetch sends string bodies only'));
      return;
    }
    const url = new URL(input);
    const secure = url.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers,
        agent: secure ? httpsAgent : httpAgent,
        signal: init.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            statusText: res.statusMessage ?? '',
            url: url.href,
            headers: toHeaders(res.headers),
            text: async () => body.toString('utf8'),
            json: async () => JSON.parse(body.toString('utf8')) as unknown,
            arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
