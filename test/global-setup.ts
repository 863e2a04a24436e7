import { existsSync } from 'node:fs';
import { SHARED_DATA } from './helpers/env.js';

export default function setup(): void {
  if (!existsSync(SHARED_DATA)) {
    throw new Error(`The real test data is missing: expected ${SHARED_DATA} (the project's ../shared/data).`);
  }
}
