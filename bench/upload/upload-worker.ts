// The uploading process of the benchmark: loads only the OpenStack provider, uploads one file,
// prints its own figures as JSON. Argument: JSON {cloud, file}.
import { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import type { CloudConfig } from '../../src/config/model.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { makeProviderConfig } from '../../test/cloud/contract/fixtures.ts';

const { cloud, file } = JSON.parse(process.argv[2]) as { cloud: CloudConfig; file: string };
const provider = new OpenStackProvider(makeProviderConfig(cloud.name, { imageUploadTimeout: 3600 }), cloud, { clock: systemClock, logger: silentLogger(), imagePollIntervalMs: 20 });
await provider.start();
const rssBefore = process.memoryUsage().rss;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const image = await provider.uploadImage({ name: 'bench-upload', filePath: file, format: 'qcow2', metadata: { nodepool_build_id: 'bench' } });
const seconds = (performance.now() - started) / 1000;
const peakRss = process.resourceUsage().maxRSS * 1024;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await provider.deleteImage(image.id);
await provider.stop();
process.stdout.write(`${JSON.stringify({ seconds, rssBefore, peakRss, cpuSeconds, status: image.status })}\n`);
