export { ClassesPage } from './ClassesPage'
export { ClassChangesNote } from './ClassChangesNote'
