// Typed ZooKeeper errors, one class per server error code the daemon acts on.

export class ZkError extends Error {
  readonly code: number;
  readonly path?: string;
  /** Index of the failing operation inside a multi. */
  opIndex?: number;
  constructor(code: number, message: string, path?: string) {
    super(path ? `${message}: ${path}` : message);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

export const ErrorCode = {
  OK: 0,
  SYSTEM_ERROR: -1,
  RUNTIME_INCONSISTENCY: -2,
  DATA_INCONSISTENCY: -3,
  CONNECTION_LOSS: -4,
  MARSHALLING_ERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATION_TIMEOUT: -7,
  BAD_ARGUMENTS: -8,
  API_ERROR: -100,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_CALLBACK: -113,
  INVALID_ACL: -114,
  AUTH_FAILED: -115,
  SESSION_MOVED: -118,
  NOT_READ_ONLY: -119,
  NO_WATCHER: -121,
  RECONFIG_DISABLED: -123,
} as const;

export class NoNodeError extends ZkError {}
export class NodeExistsError extends ZkError {}
export class BadVersionError extends ZkError {}
export class NotEmptyError extends ZkError {}
export class ConnectionLossError extends ZkError {}
export class SessionExpiredError extends ZkError {}
export class OperationTimeoutError extends ZkError {}
export class NoChildrenForEphemeralsError extends ZkError {}
export class BadArgumentsError extends ZkError {}
/** A frame that cannot be decoded (truncated, oversized, malformed). */
export class ProtocolError extends ZkError {}

export function errorFromCode(code: number, path?: string): ZkError {
  switch (code) {
    case ErrorCode.NO_NODE: return new NoNodeError(code, 'no node', path);
    case ErrorCode.NODE_EXISTS: return new NodeExistsError(code, 'node exists', path);
    case ErrorCode.BAD_VERSION: return new BadVersionError(code, 'bad version', path);
    case ErrorCode.NOT_EMPTY: return new NotEmptyError(code, 'not empty', path);
    case ErrorCode.CONNECTION_LOSS: return new ConnectionLossError(code, 'connection loss', path);
    case ErrorCode.SESSION_EXPIRED: return new SessionExpiredError(code, 'session expired', path);
    case ErrorCode.OPERATION_TIMEOUT: return new OperationTimeoutError(code, 'operation timeout', path);
    case ErrorCode.NO_CHILDREN_FOR_EPHEMERALS:
      return new NoChildrenForEphemeralsError(code, 'no children for ephemerals', path);
    case ErrorCode.BAD_ARGUMENTS: return new BadArgumentsError(code, 'bad arguments', path);
    case ErrorCode.MARSHALLING_ERROR: return new ProtocolError(code, 'marshalling error', path);
    default: return new ZkError(code, `zookeeper error ${code}`, path);
  }
}
