/**
 * Importing this module registers the custom layer classes with
 * tf.serialization, which tf.loadLayersModel needs to read MFLM models.
 */
export { buildReconstruction, buildDiscriminative, buildBaselineUnet, logitsOf, outputConv, setOutputPrior, validateModelConfig } from './networks'
export { countParams, countTrainableParams, estimateFlops } from './stats'
export { ChannelTransformer } from './channel-transformer'
export { widthAt, mflmTransformerSize, type BuildOptions } from './blocks'
export { MaxPool2x, Upsample2x } from './resample'
export { ChannelBatchNorm } from './batchNorm'
export { ResidualInput, alignResidualReading, convertResidualReading } from './residualInput'
