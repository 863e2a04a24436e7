export { pickSpread, type SpreadOptions } from './spread.js';
export {
  suggestPlaces,
  writeSuggestionsGeoJson,
  type Suggestion,
  type SuggestOptions,
  type SuggestReason,
  type SuggestResult,
} from './suggest.js';
