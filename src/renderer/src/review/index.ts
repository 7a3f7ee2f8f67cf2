/** The review workspace page. The shell shows it as the "Review" page of an open workspace. */
export { ReviewPage, type ReviewPageProps } from './ReviewPage'
