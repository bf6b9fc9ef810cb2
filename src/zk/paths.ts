// Path validation and the chroot mapping: callers use paths relative to the chroot, the server
// sees absolute ones, and every path coming back is translated again.
import { BadArgumentsError, ErrorCode } from './errors.ts';

function invalid(path: string, why: string): BadArgumentsError {
  return new BadArgumentsError(ErrorCode.BAD_ARGUMENTS, `invalid path (${why})`, String(path));
}

/** Returns an error for a path the server would refuse; sequential creates may end in '/'. */
export function checkPath(path: string, sequential = false): BadArgumentsError | null {
  if (typeof path !== 'string' || path.length === 0) return invalid(path, 'empty');
  if (path[0] !== '/') return invalid(path, 'must start with /');
  if (path.length === 1) return null;
  const body = sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.endsWith('/')) return invalid(path, 'must not end with /');
  if (body.includes('\0')) return invalid(path, 'contains NUL');
  for (const part of body.split('/').slice(1)) {
    if (part === '') return invalid(path, 'empty segment');
    if (part === '.' || part === '..') return invalid(path, 'relative segment');
  }
  return null;
}

export class Chroot {
  /** '' when there is no chroot; otherwise '/a/b' without a trailing slash. */
  readonly prefix: string;

  constructor(chroot: string | undefined) {
    if (chroot === undefined || chroot === '' || chroot === '/') {
      this.prefix = '';
      return;
    }
    const err = checkPath(chroot);
    if (err) throw err;
    this.prefix = chroot;
  }

  toServer(path: string): string {
    if (this.prefix === '') return path;
    return path === '/' ? this.prefix : this.prefix + path;
  }

  /** Server path to client path; null if it lies outside the chroot. */
  toClient(path: string): string | null {
    if (this.prefix === '') return path;
    if (path === this.prefix) return '/';
    if (path.startsWith(this.prefix) && path.charCodeAt(this.prefix.length) === 47 /* '/' */) {
      return path.slice(this.prefix.length);
    }
    return null;
  }
}
