export { taughtModelId, writeTaughtCard, type WriteTaughtCardOptions } from './card.js';
export { loadTeachInputs, type TeachInputs, type TeachInputsOptions } from './inputs.js';
export {
  LAMBDAS,
  bootstrapDifference,
  chooseLambda,
  decide,
  foldsOf,
  refitToward,
  scoreSamples,
  teachSamples,
  type Difference,
  type HeldOutScore,
  type LambdaChoice,
  type TeachSamples,
} from './refit.js';
export { teach, type TeachOptions, type TeachResult } from './teach.js';
