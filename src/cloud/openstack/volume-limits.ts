// Cinder (block-storage v3): the project's volume limits and its volumes, for quota. A cloud
// without a volume service in its catalog has neither: upstream then leaves volumes out of the
// quota (openstacksdk's EndpointNotFound), and so do we.
import { CloudError } from '../errors.ts';
import type { VolumeInfo } from '../provider.ts';
import type { OpenStackSession } from './session.ts';

/** The `absolute` part of GET /v3/<project>/limits. */
export interface CinderAbsoluteLimits { maxTotalVolumes?: number; maxTotalVolumeGigabytes?: number; [key: string]: unknown }

interface CinderVolume { id: string; size?: number; attachments?: { server_id?: string }[] }

export class CinderClient {
  private readonly session: OpenStackSession;

  constructor(session: OpenStackSession) {
    this.session = session;
  }

  /** False when the catalog has no block-storage endpoint. */
  async hasEndpoint(): Promise<boolean> {
    try {
      await this.session.endpoint('block-storage');
      return true;
    } catch (err) {
      // selectEndpoint's "no endpoint" is a CloudError without an HTTP status; auth failures have one.
      if (err instanceof CloudError && err.details.status === undefined && err.details.service === 'block-storage') return false;
      throw err;
    }
  }

  /** The absolute volume limits, or null without a volume service. */
  async limits(): Promise<CinderAbsoluteLimits | null> {
    if (!(await this.hasEndpoint())) return null;
    const res = await this.session.call('block-storage', 'GET', 'limits');
    return (res.body as { limits?: { absolute?: CinderAbsoluteLimits } } | null)?.limits?.absolute ?? {};
  }

  /** Every volume of the project with its size and attachments; [] without a volume service. */
  async listVolumes(): Promise<VolumeInfo[]> {
    if (!(await this.hasEndpoint())) return [];
    const volumes = await this.session.listAll<CinderVolume>('block-storage', 'volumes/detail', 'volumes');
    return volumes.map((v) => ({
      id: v.id,
      sizeGb: typeof v.size === 'number' ? v.size : 0,
      attachedTo: (v.attachments ?? []).map((a) => a.server_id).filter((id): id is string => typeof id === 'string'),
    }));
  }
}
