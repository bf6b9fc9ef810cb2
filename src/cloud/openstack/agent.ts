// One undici Agent per cloud, with the TLS settings clouds.yaml asks for (verify, cacert).
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { CloudConfig } from '../../config/model.ts';
import { TerminalError } from '../errors.ts';

export function createCloudAgent(cloud: Pick<CloudConfig, 'name' | 'verify' | 'cacert'>): Agent {
  let ca: string | undefined;
  if (cloud.cacert) {
    try {
      ca = readFileSync(cloud.cacert, 'utf8');
    } catch (err) {
      throw new TerminalError(`cloud ${cloud.name}: cannot read cacert ${cloud.cacert}: ${(err as Error).message}`);
    }
  }
  return new Agent({
    connect: { rejectUnauthorized: cloud.verify !== false, ...(ca ? { ca } : {}) },
    // Short keep-alive: some OpenStack front ends (uwsgi) drop idle connections silently.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 10_000,
    connections: 16,
  });
}
