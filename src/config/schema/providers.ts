// One `providers[]` entry, validated by the schema of its `driver` (openstack when absent). A
// driver we do not implement is refused at its `driver:` line with the list of those we do.
import { z } from 'zod';
import { openstackProviderSchema } from './openstack-provider.ts';
import { staticProviderSchema } from './static-provider.ts';

export const SUPPORTED_DRIVERS = ['openstack', 'static'] as const;

// The discriminator must be a literal; openstack's own `driver` key keeps its default.
const openstackEntry = openstackProviderSchema.extend({
  driver: z.literal('openstack').optional().transform(() => 'openstack' as const),
});

export const providerSchema = z.discriminatedUnion('driver', [openstackEntry, staticProviderSchema], {
  error: (iss) => {
    if (iss.code !== 'invalid_union') return undefined;
    const input = iss.input as { driver?: unknown } | undefined;
    const got = input && typeof input === 'object' ? input.driver : undefined;
    return `unsupported driver ${JSON.stringify(got)} (expected one of: ${SUPPORTED_DRIVERS.join(', ')})`;
  },
});

export type RawProviderEntry = z.output<typeof providerSchema>;
