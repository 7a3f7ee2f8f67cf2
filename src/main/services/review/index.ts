/** The review workspace's services; the handlers bind them to the review.* channels. */
export { reviewServiceFor, ReviewService, type FrameInferrer, type ReviewScope } from './reviewService'
export { SERVED_MAX_SIDE } from './servedMaps'
