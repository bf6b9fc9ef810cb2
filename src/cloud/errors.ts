// Cloud faults mapped once to the three outcomes the daemons act on.

export interface CloudErrorDetails {
  /** x-openstack-request-id / x-compute-request-id, when the cloud sent one. */
  requestId?: string;
  status?: number;
  service?: string;
  method?: string;
  url?: string;
}

export class CloudError extends Error {
  readonly details: CloudErrorDetails;
  constructor(message: string, details: CloudErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The cloud refused for quota: the node is aborted and relaunched later, not counted as a failure. */
export class QuotaError extends CloudError {}
/** Worth retrying: connection errors, 5xx, 429, timeouts. */
export class TransientError extends CloudError {}
/** Will not succeed on retry: 4xx, a server in ERROR, a killed image. */
export class TerminalError extends CloudError {}
/** The server went to ERROR status while being created (upstream's LaunchStatusException). */
export class ServerStatusError extends TerminalError {}
/** The resource does not exist (404). */
export class NotFoundError extends TerminalError {}
/** An operation exceeded its deadline. */
export class CloudTimeoutError extends TransientError {}
