export { ClassesPage } from './ClassesPage'
export { ClassChangesNote } from './ClassChangesNote'
export { dropMissingClasses } from './filterClasses'
