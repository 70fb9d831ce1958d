/**
 * Node's `http`: the continued context of each incoming request as `current()`,
 * and the current context on outgoing requests.
 * @packageDocumentation
 */
import type { IncomingMessage, OutgoingMessage, ServerResponse } from 'node:http';

import type { Context, Propagator } from './index.js';

export { current, run } from './scope.js';

/** A child of the context of an incoming request, or a new root when none came. */
export declare function continueFrom(request: IncomingMessage, propagator?: Propagator): Context;

/** Wraps a request listener: each request runs with its continued context as `current()`. */
export declare function traced<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
  Rest extends unknown[] = [],
>(
  listener: (request: Req, response: Res, ...rest: Rest) => unknown,
  options?: { propagator?: Propagator },
): (request: Req, response: Res, ...rest: Rest) => unknown;

/**
 * Sets the headers of `context` (the current one by default) on an outgoing request
 * before it is sent, replacing what it holds under the same names.
 * @throws {TypeError} when there is no context.
 */
export declare function injectRequest<R extends OutgoingMessage>(request: R, context?: Context, propagator?: Propagator): R;
