import { randomUUID } from 'node:crypto';
import type { EndReason } from '../hub/end-reason';

/** One WHIP publish or WHEP playback, as its HTTP resource holds it. */
export interface HttpSession {
  /** The resource id: the last segment of its Location. */
  readonly id: string;
  /** The stream it publishes or plays. */
  readonly name: string;
  /** Ends it; set once negotiation is done (a DELETE before that ends it right after). */
  stop?: (reason: EndReason) => void;
  /** Set by a DELETE that came while negotiating. */
  stoppedEarly?: EndReason;
}

/**
 * The live resources of one WebRTC-over-HTTP endpoint, bounded: a session is reserved before any
 * negotiation (so a flood of offers is refused before it binds ports) and forgotten when it ends.
 */
export class HttpSessions {
  readonly #sessions = new Map<string, HttpSession>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get count(): number {
    return this.#sessions.size;
  }

  /** A new session for `name`, or undefined when `max` are running. */
  reserve(name: string): HttpSession | undefined {
    if (this.#sessions.size >= this.#max) return undefined;
    const session: HttpSession = { id: randomUUID(), name };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The session of resource `id` for stream `name`, if running. */
  find(name: string, id: string): HttpSession | undefined {
    const session = this.#sessions.get(id);
    return session?.name === name ? session : undefined;
  }

  /** Forgets a session (idempotent). */
  release(session: HttpSession): void {
    this.#sessions.delete(session.id);
  }

  /** Ends a session: at once when negotiated, else as soon as it is (the negotiation checks `stoppedEarly`). */
  end(session: HttpSession, reason: EndReason): void {
    if (session.stop) session.stop(reason);
    else session.stoppedEarly ??= reason;
  }

  /** Ends every session (gateway shutdown). */
  endAll(reason: EndReason): void {
    for (const session of [...this.#sessions.values()]) this.end(session, reason);
  }
}
