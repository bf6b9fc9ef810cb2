// Shared bits for the OpenStack client unit tests (MockAgent based; no network).
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { MockAgent } from 'undici';
import type { Clock } from '../../../src/util/clock.ts';
import { REDACT_PATHS } from '../../../src/util/logger.ts';

/** A clock whose sleeps return at once, moving time forward and remembering each delay. */
export class InstantClock implements Clock {
  current = Date.UTC(2026, 0, 1);
  readonly sleeps: number[] = [];
  now(): number {
    return this.current;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.current += ms;
  }
}

/** A debug-level logger whose output lines tests can read. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  return { logger, lines };
}

export function mockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

export const KEYSTONE = 'http://keystone.test:5000';
export const NOVA = 'http://nova.test:8774';
export const GLANCE = 'http://glance.test:9292';
export const NEUTRON = 'http://neutron.test:9696';

export function catalog(region = 'RegionOne') {
  const ep = (url: string) => [
    { interface: 'public', region_id: region, region, url },
    { interface: 'internal', region_id: region, region, url: url.replace('.test', '-internal.test') },
  ];
  return [
    { type: 'identity', endpoints: ep(`${KEYSTONE}/v3`) },
    { type: 'compute', endpoints: ep(`${NOVA}/v2.1`) },
    { type: 'image', endpoints: ep(GLANCE) },
    { type: 'network', endpoints: ep(NEUTRON) },
  ];
}

export function tokenBody(expiresInMs: number, now: number) {
  return {
    token: {
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + expiresInMs).toISOString(),
      catalog: catalog(),
      project: { id: 'p1' },
      user: { id: 'u1' },
    },
  };
}
