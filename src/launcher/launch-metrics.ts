// nodepool.launch.* timers and counters, named as upstream's launcher emits them, through
// src/stats' key shapes.
import type { Node } from '../model/types.ts';
import { reportLaunch, type LaunchResult } from '../stats/launcher-metrics.ts';
import type { LauncherDeps } from './deps.ts';

export function recordLaunch(deps: LauncherDeps, node: Node, result: LaunchResult, ms: number): void {
  if (!deps.metrics || !node.provider) return;
  reportLaunch(deps.metrics, { provider: node.provider, az: node.az, requestor: node.requestor, result, durationMs: ms });
}
