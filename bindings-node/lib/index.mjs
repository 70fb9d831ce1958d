// ESM entry: re-exports the CommonJS entry, so `import` and `require` share one API.
import api from './index.cjs';

export const {
  extract,
  continueTrace,
  diagnose,
  extractEnv,
  continueTraceEnv,
  diagnoseEnv,
  extractJson,
  Context,
  Propagator,
  Diagnostic,
  TracewireError,
} = api;
