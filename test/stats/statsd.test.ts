// The statsd names a launch and a build emit, as a UDP statsd server on 127.0.0.1 receives them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createMetrics, statsdTargetFromEnv, type NodepoolMetrics } from '../../src/stats/metrics.ts';
import { reportLaunch, reportLeaked } from '../../src/stats/launcher-metrics.ts';
import { reportBuild, reportUpload, reportBuildState, reportUploadState, reportBuildRequests } from '../../src/stats/builder-metrics.ts';
import { waitFor } from '../helpers/wait.ts';

let server: dgram.Socket;
let port: number;
const lines: string[] = [];

beforeAll(async () => {
  server = dgram.createSocket('udp4');
  server.on('message', (msg) => lines.push(...msg.toString('utf8').split('\n').filter(Boolean)));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function expectLines(expected: string[]) {
  // A deadline, not a sleep: loopback UDP arrives in milliseconds, but a loaded CI box may lag.
  await waitFor(() => expected.every((l) => lines.includes(l)), {
    timeoutMs: 20_000,
    message: `statsd lines ${expected.filter((l) => !lines.includes(l)).join(', ')}`,
  });
}

describe('statsd output', () => {
  let metrics: NodepoolMetrics;
  beforeAll(async () => {
    metrics = await createMetrics({ statsd: statsdTargetFromEnv({ STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port) }) });
  });
  afterAll(() => metrics.close());

  it('a successful launch emits a timer and a counter under each upstream key', async () => {
    reportLaunch(metrics, { provider: 'cloud-a', az: 'nova', requestor: 'zuul01.example.com', result: 'ready', durationMs: 4200 });
    await expectLines([
      'nodepool.launch.provider.cloud-a.ready:4200|ms', 'nodepool.launch.provider.cloud-a.ready:1|c',
      'nodepool.launch.ready:4200|ms', 'nodepool.launch.ready:1|c',
      'nodepool.launch.provider.cloud-a.nova.ready:4200|ms', 'nodepool.launch.provider.cloud-a.nova.ready:1|c',
      'nodepool.launch.requestor.zuul01_example_com.ready:4200|ms', 'nodepool.launch.requestor.zuul01_example_com.ready:1|c',
    ]);
  });

  it('a failed launch without an AZ and a min-ready requestor', async () => {
    reportLaunch(metrics, { provider: 'cloud-a', az: null, requestor: 'NodePool:min-ready', result: 'error.quota', durationMs: 15 });
    await expectLines([
      'nodepool.launch.provider.cloud-a.error.quota:15|ms', 'nodepool.launch.error.quota:1|c',
      'nodepool.launch.requestor.NodePool_min-ready.error.quota:1|c',
    ]);
    expect(lines.some((l) => l.startsWith('nodepool.launch.provider.cloud-a.null.'))).toBe(false);
  });

  it('a build and an upload emit the builder names', async () => {
    reportBuild(metrics, { image: 'ubuntu-jammy', durationMs: 61000, rc: 0, finishedAt: 1795419891.2, sizes: { qcow2: 1048576 } });
    reportUpload(metrics, 'ubuntu-jammy', 'cloud-a', 9000);
    reportBuildState(metrics, 'nb01', 'ubuntu-jammy', 'building');
    reportUploadState(metrics, 'nb01', 'ubuntu-jammy', 'cloud-a', 'uploading');
    reportBuildRequests(metrics, { 'ubuntu-jammy': 1 });
    reportLeaked(metrics, 'cloud-a', 'ports', 2);
    await expectLines([
      'nodepool.dib_image_build.ubuntu-jammy.qcow2.size:1048576|g',
      'nodepool.dib_image_build.ubuntu-jammy.status.duration:61000|ms',
      'nodepool.dib_image_build.ubuntu-jammy.status.rc:0|g',
      'nodepool.dib_image_build.ubuntu-jammy.status.last_build:1795419891|g',
      'nodepool.image_update.ubuntu-jammy.cloud-a:9000|ms', 'nodepool.image_update.ubuntu-jammy.cloud-a:1|c',
      'nodepool.builder.nb01.image.ubuntu-jammy.build.state:1|g',
      'nodepool.builder.nb01.image.ubuntu-jammy.provider.cloud-a.upload.state:2|g',
      'nodepool.image.ubuntu-jammy.image_build_requests:1|g', 'nodepool.image_build_requests:1|g',
      'nodepool.provider.cloud-a.leaked.ports:2|c',
    ]);
  });

  it('records the same figures in the registry and exports them for Prometheus', () => {
    expect(metrics.registry.counters.get('nodepool.launch.ready')).toBe(1);
    expect(metrics.registry.timers.get('nodepool.launch.ready')).toEqual({ count: 1, sumMs: 4200, lastMs: 4200 });
    const text = metrics.prometheusText();
    expect(text).toContain('# TYPE nodepool_launch_total counter\n');
    expect(text).toContain('nodepool_launch_total{result="ready"} 1\n');
    expect(text).toContain('nodepool_launch_total{result="error.quota"} 1\n');
    expect(text).toContain('nodepool_launch_provider_az_total{provider="cloud-a",az="nova",result="ready"} 1\n');
    expect(text).toContain('nodepool_launch_duration_seconds_sum{result="ready"} 4.2\n');
    expect(text).toContain('nodepool_dib_image_build_size_bytes{image="ubuntu-jammy",format="qcow2"} 1048576\n');
    expect(text).toContain('nodepool_builder_build_state{hostname="nb01",image="ubuntu-jammy"} 1\n');
    expect(text).toContain('nodepool_provider_leaked_total{provider="cloud-a",type="ports"} 2\n');
  });
});

describe('statsdTargetFromEnv', () => {
  it('is null without STATSD_HOST, defaults the port, rejects a bad port', () => {
    expect(statsdTargetFromEnv({})).toBeNull();
    expect(statsdTargetFromEnv({ STATSD_HOST: 'localhost' })).toEqual({ host: 'localhost', port: 8125 });
    expect(() => statsdTargetFromEnv({ STATSD_HOST: 'localhost', STATSD_PORT: 'abc' })).toThrow(/STATSD_PORT/);
  });

  it('without statsd the registry still records everything', async () => {
    const m = await createMetrics({ statsd: null });
    m.gauge('nodepool.nodes.ready', 3);
    expect(m.prometheusText()).toBe('# TYPE nodepool_nodes gauge\nnodepool_nodes{state="ready"} 3\n');
    await m.close();
  });
});
