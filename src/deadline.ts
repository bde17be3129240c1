/**
 * A request's deadline: expires once, after `ms` or when expired by hand, and tells whoever
 * asked. A plain callback list rather than an AbortController: it is made for every request and
 * checked for every statement, where EventTarget dispatch showed up in profiles.
 */
export class DeadlineError extends Error {
  constructor() {
    super('The request ran past its deadline and was cancelled');
  }
}

export class Deadline {
  #expired = false;
  #listeners: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(ms?: number) {
    if (ms !== undefined) {
      this.#timer = setTimeout(() => this.expire(), ms);
      this.#timer.unref();
    }
  }

  get expired(): boolean {
    return this.#expired;
  }

  /** Calls `listener` when the deadline passes (at once if it has). Returns an unsubscribe. */
  onExpire(listener: () => void): () => void {
    if (this.#expired) {
      listener();
      return () => {};
    }
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  expire(): void {
    if (this.#expired) return;
    this.#expired = true;
    clearTimeout(this.#timer);
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }

  /** The work finished in time: stop the timer, forget the listeners. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#listeners = [];
  }
}
