// clouds.yaml entries as openstacksdk reads them. openstacksdk accepts many more keys
// (per-service versions and endpoints); unknown keys are kept, not refused.
import { z } from 'zod';

const region = z.union([
  z.string().min(1),
  z.looseObject({ name: z.string().min(1), values: z.record(z.string(), z.unknown()).optional() }),
]);

export const cloudEntrySchema = z.looseObject({
  auth_type: z.string().default('password'),
  auth: z.looseObject({
    auth_url: z.string().min(1).optional(),
    username: z.string().optional(),
    user_id: z.string().optional(),
    password: z.union([z.string(), z.number()]).transform(String).optional(),
    user_domain_name: z.string().optional(),
    user_domain_id: z.string().optional(),
    project_name: z.string().optional(),
    project_id: z.string().optional(),
    tenant_name: z.string().optional(),
    tenant_id: z.string().optional(),
    project_domain_name: z.string().optional(),
    project_domain_id: z.string().optional(),
    application_credential_id: z.string().optional(),
    application_credential_name: z.string().optional(),
    application_credential_secret: z.union([z.string(), z.number()]).transform(String).optional(),
  }).default({}),
  region_name: z.string().optional(),
  regions: z.array(region).default([]),
  interface: z.enum(['public', 'internal', 'admin']).default('public'),
  image_format: z.string().default('qcow2'),
  verify: z.boolean().default(true),
  insecure: z.boolean().optional(),
  cacert: z.string().optional(),
  compute_api_version: z.union([z.string(), z.number()]).transform(String).optional(),
});

export const cloudsFileSchema = z.looseObject({
  clouds: z.record(z.string(), z.looseObject({})).default({}),
});

export type RawCloudEntry = z.output<typeof cloudEntrySchema>;
