// Which formats a diskimage must be built in: every format a provider that lists the image
// uploads, plus the diskimage's own extra `formats`, as upstream's BuildWorker counts image_types.
import type { DiskImageConfig, ProviderConfig } from '../config/model.ts';

/** provider name -> the disk format it uploads (CloudProvider.imageFormat()). */
export type ProviderFormats = ReadonlyMap<string, string>;

/** Providers (by name) whose `diskimages` list the image. */
export function providersUsingImage(image: string, providers: readonly ProviderConfig[]): ProviderConfig[] {
  return providers.filter((p) => p.diskimages.some((d) => d.name === image));
}

/** Ordered, de-duplicated: providers' formats in config order, then the diskimage's own. */
export function imageTypesFor(
  diskimage: DiskImageConfig,
  providers: readonly ProviderConfig[],
  formats: ProviderFormats,
): string[] {
  const types: string[] = [];
  const add = (t: string | undefined) => {
    if (t && !types.includes(t)) types.push(t);
  };
  for (const p of providersUsingImage(diskimage.name, providers)) add(formats.get(p.name) ?? p.imageType ?? 'qcow2');
  for (const f of diskimage.formats) add(f);
  return types;
}
