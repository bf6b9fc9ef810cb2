// Benchmark: validate a generated current-format config with 200 providers and 2,000 labels
// (parse YAML 1.1 with positions, schema, normalise, semantic and file checks, freeze).
// Run: npx tsx bench/config/run.ts
import { performance } from 'node:perf_hooks';
import { validateConfigText } from '../../src/config/load.ts';
import { YamlSource } from '../../src/config/yaml-source.ts';

const PROVIDERS = 200;
const LABELS = 2000;
const DISKIMAGES = 20;
const RUNS = 15;
const BUDGET_MS = 200;

function generate(): string {
  const out: string[] = ['zookeeper-servers:', '  - host: 127.0.0.1', 'labels:'];
  for (let l = 0; l < LABELS; l++) out.push(`  - name: label-${l}`, `    min-ready: ${l % 3}`);
  out.push('diskimages:');
  for (let d = 0; d < DISKIMAGES; d++) {
    out.push(`  - name: image-${d}`, '    elements: [vm, growroot]', `    env-vars: {DIB_RELEASE: r${d}}`);
  }
  out.push('providers:');
  const perProvider = LABELS / PROVIDERS;
  for (let p = 0; p < PROVIDERS; p++) {
    out.push(`  - name: provider-${p}`, `    cloud: cloud-${p % 10}`, '    rate: 0.5', '    diskimages:');
    // Each provider uploads the images its own labels use.
    const used = new Set<number>();
    for (let i = 0; i < perProvider; i++) used.add((p * perProvider + i) % DISKIMAGES);
    for (const d of used) out.push(`      - name: image-${d}`);
    out.push('    pools:', '      - name: main', '        max-servers: 50', '        networks: [private]', '        labels:');
    for (let i = 0; i < perProvider; i++) {
      const l = p * perProvider + i;
      out.push(`          - name: label-${l}`, `            diskimage: image-${l % DISKIMAGES}`, '            min-ram: 2048', '            key-name: ci');
    }
  }
  return out.join('\n') + '\n';
}

const text = generate();
// Wall time, and this process's CPU time (user+system) which a busy shared machine distorts less.
const run = () => {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const result = validateConfigText({ file: '/bench/nodepool.yaml', text, env: {}, files: () => null });
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  if (!result.config) throw new Error(`generated config is invalid: ${result.errors[0]?.message}`);
  if (result.config.providers.length !== PROVIDERS || result.config.labels.length !== LABELS) throw new Error('wrong size');
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
};

// Reading the YAML alone (the yaml package's parse with positions, then PyYAML's resolution),
// to show where the time goes.
const parseOnly = () => {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  new YamlSource('/bench/nodepool.yaml', text).toJS();
  const cpu = process.cpuUsage(cpu0);
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
};

// The same file with one bad value.
const withError = text.replace('min-ram: 2048', 'min-ram: lots');
const runWithError = () => {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const result = validateConfigText({ file: '/bench/nodepool.yaml', text: withError, env: {}, files: () => null });
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  if (result.errors.length !== 1) throw new Error(`expected one error, got ${result.errors.length}`);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
};

const first = run();
const runs = Array.from({ length: RUNS }, run);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const parses = Array.from({ length: RUNS }, parseOnly);
const wall = median(runs.map((r) => r.wall));
const cpu = median(runs.map((r) => r.cpu));
const [load1] = (await import('node:os')).loadavg();
console.log(`config validate: ${PROVIDERS} providers, ${LABELS} labels, ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB (load average ${load1.toFixed(1)})`);
console.log(`  first run (cold JIT): wall ${first.wall.toFixed(1)} ms, cpu ${first.cpu.toFixed(1)} ms`);
console.log(`  warm, ${RUNS} runs: median wall ${wall.toFixed(1)} ms (min ${Math.min(...runs.map((r) => r.wall)).toFixed(1)}), median cpu ${cpu.toFixed(1)} ms`);
console.log(`  of which YAML read: median wall ${median(parses.map((r) => r.wall)).toFixed(1)} ms, cpu ${median(parses.map((r) => r.cpu)).toFixed(1)} ms`);
const errorRuns = Array.from({ length: 5 }, runWithError);
console.log(`  with one error, 5 runs: median wall ${median(errorRuns.map((r) => r.wall)).toFixed(1)} ms, cpu ${median(errorRuns.map((r) => r.cpu)).toFixed(1)} ms`);
console.log(`  budget ${BUDGET_MS} ms (warm median wall): ${wall < BUDGET_MS ? 'met' : 'MISSED'}`);
process.exitCode = wall < BUDGET_MS ? 0 : 1;
