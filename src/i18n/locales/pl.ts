import type { Messages } from '../messages.js';
import { enUS } from './en-US.js';

// TODO translate
export const pl: Messages = enUS;
