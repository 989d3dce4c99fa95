export * from "./client"
export * from "./errors"
export type * from "./results"
export * from "./database.types"
