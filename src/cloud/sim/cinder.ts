// Cinder v3, only what Nodepool reads: volume list and limits (boot-from-volume quota accounting).
import type { SimCloud } from './cloud.ts';
import { HttpError, isoTime, sendJson, type RequestContext } from './http.ts';
import { route, type Route } from './router.ts';

/** Cinder's limits when a persisted simulator state predates the volume quotas. */
const DEFAULT_VOLUMES = 100;
const DEFAULT_GIGABYTES = 10000;

export function cinderRoutes(sim: SimCloud): Route[] {
  return [
    route('GET', '', (ctx) => sendJson(ctx, 200, { version: { id: 'v3.0', status: 'CURRENT', version: '3.70', min_version: '3.0', links: [{ rel: 'self', href: `${ctx.rootUrl}/volume/v3/` }] } })),
    route('GET', '/:project/volumes/detail', (ctx, [project]) => sendJson(ctx, 200, { volumes: volumes(sim, ctx, project) })),
    route('GET', '/:project/volumes', (ctx, [project]) => sendJson(ctx, 200, { volumes: volumes(sim, ctx, project).map((v) => ({ id: v.id, name: v.name, links: [] })) })),
    route('GET', '/:project/limits', (ctx, [project]) => {
      const vols = volumes(sim, ctx, project);
      const gigabytes = vols.reduce((sum, v) => sum + v.size, 0);
      sendJson(ctx, 200, {
        limits: {
          rate: [],
          absolute: {
            maxTotalVolumes: sim.quotas.volumes ?? DEFAULT_VOLUMES,
            maxTotalVolumeGigabytes: sim.quotas.gigabytes ?? DEFAULT_GIGABYTES,
            maxTotalSnapshots: 10,
            maxTotalBackups: 10,
            maxTotalBackupGigabytes: 1000,
            totalVolumesUsed: vols.length,
            totalGigabytesUsed: gigabytes,
            totalSnapshotsUsed: 0,
            totalBackupsUsed: 0,
            totalBackupGigabytesUsed: 0,
          },
        },
      });
    }),
  ];
}

/** Boot-from-volume servers own one volume each; the simulator derives them from the servers. */
function volumes(sim: SimCloud, ctx: RequestContext, project: string) {
  if (project !== ctx.token!.projectId) throw new HttpError(404, `Project ${project} not found`);
  const out: { id: string; name: string; size: number; status: string; attachments: unknown[]; created_at: string; bootable: string }[] = [];
  for (const s of sim.liveServers(project)) {
    for (const [i, raw] of (s.blockDeviceMapping ?? []).entries()) {
      const b = raw as Record<string, unknown>;
      if (b.destination_type !== 'volume') continue;
      const id = `${s.id.slice(0, 24)}${String(i).padStart(12, '0')}`;
      out.push({
        id,
        name: '',
        size: Number(b.volume_size ?? 1),
        status: 'in-use',
        bootable: 'true',
        attachments: [{ server_id: s.id, attachment_id: id, device: '/dev/vda', volume_id: id }],
        created_at: isoTime(s.createdAt),
      });
    }
  }
  return out;
}
