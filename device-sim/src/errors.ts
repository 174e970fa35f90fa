/**
 * Errors of the simulator; callers match on `code`. Input errors name the file, line and
 * field so a person can fix them; the CLI prints the message and exits with status 2.
 */
export type SimErrorCode =
  | 'SIM_ERR_ARGS' | 'SIM_ERR_FILE' | 'SIM_ERR_CREDENTIALS' | 'SIM_ERR_SCENARIO' | 'SIM_ERR_RECORDING'
  | 'SIM_ERR_API' | 'SIM_ERR_CONNECT'

export class SimError extends Error {
  readonly code: SimErrorCode
  constructor (code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SimError'
    this.code = code
  }

  /** Bad user input (exit status 2) rather than a failure while running (exit status 1). */
  get isInput (): boolean {
    return ['SIM_ERR_ARGS', 'SIM_ERR_FILE', 'SIM_ERR_CREDENTIALS', 'SIM_ERR_SCENARIO', 'SIM_ERR_RECORDING'].includes(this.code)
  }
}

/** `file:line: field: problem`, the shape compilers use, so editors can jump to it. */
export function inputError (code: SimErrorCode, file: string, line: number | null, field: string | null, problem: string): SimError {
  return new SimError(code, `${file}${line ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${problem}`)
}
