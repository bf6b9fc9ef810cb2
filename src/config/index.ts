// The config area's public API (see README in the lead's report).
export type * from './model.ts';
export { ConfigError, formatProblem, formatProblemWithSeverity, formatPath, type ConfigProblem } from './errors.ts';
export { loadConfig, validateConfig, validateConfigText, type LoadOptions, type ValidationResult } from './load.ts';
export { loadClouds, type LoadCloudsOptions } from './clouds/load-clouds.ts';
export { redactConfig, describeConfig, REDACTED } from './redact.ts';
export { ConfigWatcher, type ConfigWatcherOptions } from './watcher.ts';
export { diskProbe, type FileProbe, type FileInfo } from './file-checks.ts';
export { DEFAULT_CRON } from './defaults.ts';
