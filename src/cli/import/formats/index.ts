/** Every `--from` format of `userplane import`, by name. */
import type { ImportFormat } from '../format.ts';
import { userplaneFormat } from './userplane.ts';

export const FORMATS: Record<string, ImportFormat> = {
  userplane: userplaneFormat,
};
