// Which flavor a label boots with (nodepool's min-ram / flavor-name rules). Pure.
import type { PoolLabelConfig } from '../../config/model.ts';
import type { FlavorInfo } from '../provider.ts';

export type FlavorChoice = { flavor: FlavorInfo } | { error: string };

export function chooseFlavor(
  flavors: readonly FlavorInfo[],
  label: Pick<PoolLabelConfig, 'name' | 'minRam' | 'flavorName' | 'nameFilter'>,
): FlavorChoice {
  if (label.minRam !== null && label.minRam !== undefined) {
    const minRam = label.minRam;
    // Smallest by ram, ties broken by name, like nodepool's sorted flavor list.
    const candidates = flavors
      .filter((f) => f.ram >= minRam)
      .filter((f) => !label.flavorName || f.name.includes(label.flavorName))
      .filter((f) => !label.nameFilter || f.name.includes(label.nameFilter))
      .sort((a, b) => a.ram - b.ram || a.name.localeCompare(b.name));
    if (candidates.length === 0) {
      const extra = [label.flavorName, label.nameFilter].filter(Boolean).map((s) => ` containing "${s}"`).join(' and');
      return { error: `label ${label.name}: no flavor with ram >= ${minRam} MB${extra}` };
    }
    return { flavor: candidates[0] };
  }
  if (label.flavorName) {
    const found = flavors.find((f) => f.name === label.flavorName) ?? flavors.find((f) => f.id === label.flavorName);
    return found ? { flavor: found } : { error: `label ${label.name}: flavor ${label.flavorName} not found` };
  }
  return { error: `label ${label.name}: neither min-ram nor flavor-name given` };
}
