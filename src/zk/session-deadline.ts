// Client-side session expiry (as Curator does): once disconnected, the session is given up when
// the server may have expired it. The server expires a session `timeout` after it last heard from
// the client; the latest moment we KNOW it heard from us is when we sent the newest request it
// answered. Counting from there (not from the disconnect) means we give a session up no later
// than the server can, so no lock is believed held after its ephemeral node may be gone.
export class SessionDeadline {
  private heardUsAt = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly onExpired: () => void;
  private readonly now: () => number;

  constructor(onExpired: () => void, now: () => number = Date.now) {
    this.onExpired = onExpired;
    this.now = now;
  }

  /** The server answered a request (or ping, or handshake) that we sent at `sentAt`. */
  answered(sentAt: number): void {
    if (sentAt > this.heardUsAt) this.heardUsAt = sentAt;
  }

  /** Milliseconds left before a session of `timeoutMs` may have expired on the server. */
  remainingMs(timeoutMs: number): number {
    return Math.max(0, this.heardUsAt + timeoutMs - this.now());
  }

  /** Disconnected: calls onExpired when the session may have expired, unless disarmed first. */
  arm(timeoutMs: number): void {
    this.disarm();
    this.timer = setTimeout(() => { this.timer = undefined; this.onExpired(); }, this.remainingMs(timeoutMs));
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
