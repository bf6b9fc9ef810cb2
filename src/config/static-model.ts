// The static driver's part of the frozen model: providers whose pools list hosts that already
// exist (bare metal, long-lived VMs). Durations are seconds, as in the file.

export interface StaticNodeConfig {
  /** Hostname or address; also the node's hostname and interface_ip. */
  name: string;
  /** A label string is split on whitespace, as upstream does. */
  labels: string[];
  username: string;
  /** Seconds a liveness scan of the host may take. */
  timeout: number;
  hostKeyChecking: boolean;
  /** Keys the scanned host must offer ("type base64"); empty: any. */
  hostKeys: string[];
  connectionType: string;
  /** 22, or 5986 for winrm, when not set. */
  connectionPort: number;
  shellType: string | null;
  pythonPath: string;
  /** How many jobs may hold this host at once: one READY node per slot. */
  maxParallelJobs: number;
}

export interface StaticPoolConfig {
  name: string;
  priority: number;
  nodeAttributes: Record<string, unknown>;
  nodes: StaticNodeConfig[];
  /** Every label some node of the pool offers (the pool's supported labels). */
  labels: string[];
}

export interface StaticProviderConfig {
  name: string;
  driver: 'static';
  maxConcurrency: number;
  priority: number;
  pools: StaticPoolConfig[];
}

/** Upstream's identity of a static host: hostname, username and port (its "node tuple"). */
export function staticHostKey(h: { hostname: string; username: string; port: number }): string {
  return `${h.username}@${h.hostname}:${h.port}`;
}
