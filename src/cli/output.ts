// Prints a status listing as upstream's table, or as the web app's JSON with --json.
import { renderStatusText, renderStatusJson, type StatusTable } from '../status/listings.ts';
import type { CliContext } from './context.ts';

export interface ListingOptions {
  json?: boolean;
}

export function printListing(ctx: Pick<CliContext, 'io' | 'clock'>, table: StatusTable, options: ListingOptions = {}): void {
  ctx.io.out(options.json ? renderStatusJson(table) : renderStatusText(table, ctx.clock.now()));
}
