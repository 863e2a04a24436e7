/**
 * `npm run bench -- teach`: teaching on the real labelled cases, half a scene taught and the
 * other half scored, and the suggestion measurement; all of it is scripts/teach-proof.ts (run it
 * directly for options: --seeds N, --resolutions 10,20, --points N). About 4 minutes on 2 cores
 * once the CNN outputs are cached in .data/teach-cache.
 */
import '../../scripts/teach-proof.js';
