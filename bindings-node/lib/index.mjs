// ESM entry: re-exports the CommonJS entry, so `import` and `require` share one API.
import api from './index.cjs';

export const { extract, continueTrace, diagnose, Context, Propagator, Diagnostic, TracewireError } = api;
