// An undici dispatcher that knows how many HTTP requests are in flight through it, so a test's
// clock driver can hold a manual clock still while a cloud call is on the wire.
import { Dispatcher } from 'undici';

/** Handler callbacks that end a request, in undici's old and new handler APIs. */
const TERMINAL = new Set(['onComplete', 'onError', 'onResponseEnd', 'onResponseError']);

export class CountingDispatcher extends Dispatcher {
  private active = 0;
  private readonly inner: Dispatcher;

  constructor(inner: Dispatcher) {
    super();
    this.inner = inner;
  }

  get inFlight(): number {
    return this.active;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.active++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.active--;
    };
    const counted = new Proxy(handler, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !TERMINAL.has(key) || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          try {
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          } finally {
            end();
          }
        };
      },
    });
    try {
      return this.inner.dispatch(options, counted);
    } catch (err) {
      end();
      throw err;
    }
  }

  override close(): Promise<void> {
    return this.inner.close();
  }

  override destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
