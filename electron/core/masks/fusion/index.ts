export {
  FUSION_BANDS,
  FUSION_FEATURES,
  computeFeatures,
  maxFilter,
  type FusionFeature,
  type FusionInputs,
} from './features.js';
export { fuseClouds, fusedProbability, type FusionModel, type FusionResult } from './model.js';
