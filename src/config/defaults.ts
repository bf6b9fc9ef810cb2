// Schedules and intervals that neither format's file sets directly.

/** The current format has no crons: a ready-node check every 15 minutes, cleanup every minute. */
export const DEFAULT_CRON = { check: '*/15 * * * *', cleanup: '* * * * *' } as const;

/** Upstream's DeletedNodeWorker interval (s). */
export const DELETE_INTERVAL_SECONDS = 5;
