export interface Migration {
  /** Becomes PRAGMA user_version once applied; numbered without gaps from 1. */
  version: number
  name: string
  /** SQL run inside one transaction. */
  up: string
}
