/**
 * Exit codes are a contract with schedulers (docs/architecture.md, "Contracts"; the README's table): every failure the job can
 * foresee is one of these classes, so the CLI maps it to a code without guessing.
 */
export const ExitCode = {
  ok: 0,
  usage: 2,
  input: 3,
  outputGate: 4,
  infra: 5,
  race: 6,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class PromoscoreError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(
    message: string,
    exitCode: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.exitCode = exitCode;
    this.name = new.target.name;
  }
}

/** Bad flag, bad config file, unknown URI scheme: exit 2. */
export class UsageError extends PromoscoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** Input data failed validation (missing table/column, bad values): exit 3, nothing published. */
export class InputDataError extends PromoscoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.input, options);
  }
}

/** An output gate (invariant, drift, certificate) refused the snapshot: exit 4, nothing published. */
export class OutputGateError extends PromoscoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.outputGate, options);
  }
}

/** Store, warehouse or notifier failed in a way a retry may fix: exit 5. */
export class InfraError extends PromoscoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.infra, options);
  }
}

/** Lost a race to a concurrent run (LATEST moved under us, or is newer): exit 6, nothing lost. */
export class RaceLostError extends PromoscoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.race, options);
  }
}

/** A create-only write or compare-and-swap whose precondition failed (GCS 412, local EEXIST). */
export class PreconditionFailedError extends Error {
  readonly path: string;

  constructor(path: string, detail: string) {
    super(`precondition failed on ${path}: ${detail}`);
    this.path = path;
    this.name = 'PreconditionFailedError';
  }
}

/** A snapshot that fails verification (checksum, size, schema, missing object). */
export class CorruptSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSnapshotError';
  }
}

export function exitCodeOf(err: unknown): ExitCodeValue {
  if (err instanceof PromoscoreError) return err.exitCode;
  return ExitCode.infra;
}
