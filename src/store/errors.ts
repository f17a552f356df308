/** The database cannot be reached right now (stopped, restarting, network down); the request may be retried later. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The database could not be opened at start-up: its message is one line for the operator, naming the variable
 * and the reason, and is printed as it is instead of a stack trace.
 */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}
