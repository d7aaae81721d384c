/** Callaba's server types: the debug one logs a summary of every RTMP message it receives and sends. */
export const RTMP_SERVER_TYPES = ['SERVER_TYPE_RTMP', 'SERVER_TYPE_RTMP_DEBUG'] as const;

/** One of {@link RTMP_SERVER_TYPES}. */
export type RtmpServerType = (typeof RTMP_SERVER_TYPES)[number];

/** Player buffer of a server created without one, seconds (Callaba's default). */
export const DEFAULT_BUFFER_SECONDS = 5;

/** What a user chooses for an RTMP server. */
export interface RtmpServerSettings {
  /** Unique among servers. */
  readonly name: string;
  readonly type: RtmpServerType;
  /** Media a player may have queued before whole GOPs are skipped, seconds (default 5). */
  readonly bufferSeconds: number;
  /** TCP port, 1..65535, unique among servers. */
  readonly port: number;
  /** Listening (true) or stopped; restored as such when the gateway restarts. */
  readonly active: boolean;
}

/** A stored RTMP server. */
export interface RtmpServerRecord extends RtmpServerSettings {
  readonly id: string;
  /** ISO 8601 time of creation. */
  readonly created: string;
  /** ISO 8601 time of the last change (update, start, stop). */
  readonly modified: string;
}

/** What a rule lets a client do. */
export type RuleAction = 'publish' | 'play';

/** Matches any application or any stream key. */
export const ANY = '*';

/**
 * Who may publish or play what on one server (mmids-style). Once a server has a rule for an action,
 * only requests that a rule matches are allowed; an action without rules is open to everyone.
 */
export interface AccessRuleSettings {
  readonly serverId: string;
  readonly action: RuleAction;
  /** Application name as in rtmp://host:port/<app>/<key>, or `*` for any. */
  readonly app: string;
  /** The exact stream key, or `*` for any key. */
  readonly streamKey: string;
  /** When set, this http(s) webhook must also approve each request the rule matches. */
  readonly webhookUrl: string | null;
  /** Client addresses allowed (CIDR or single addresses); empty allows every address not denied. */
  readonly allowIps: readonly string[];
  /** Client addresses refused (CIDR or single addresses), checked before allowIps. */
  readonly denyIps: readonly string[];
}

/** A stored access rule. */
export interface AccessRuleRecord extends AccessRuleSettings {
  readonly id: string;
  /** ISO 8601 time of creation. */
  readonly created: string;
  /** ISO 8601 time of the last update. */
  readonly modified: string;
}
