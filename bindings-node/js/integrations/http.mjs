/**
 * Node's `http`: continue the trace of an incoming request and make it current
 * for its handler; carry it on an outgoing `ClientRequest`.
 *
 * @module
 */
import { Context, continueTrace } from 'tracewire';

import { current, run } from './scope.mjs';

export { current, run };

/**
 * A child of the context of an `IncomingMessage` (a new root when none came).
 * Reads `headersDistinct`, where repeated fields stay separate, when there is one.
 *
 * @param {import('node:http').IncomingMessage} request
 * @param {Propagator} [propagator]
 */
export function continueFrom(request, propagator) {
  const headers = request?.headersDistinct ?? request?.headers;
  if (typeof headers !== 'object' || headers === null) {
    throw new TypeError('tracewire: expected an http.IncomingMessage');
  }
  return propagator === undefined ? continueTrace(headers) : propagator.continueTrace(headers);
}

/**
 * Wraps a request listener (`http.createServer(traced(listener))`, or Express-style
 * middleware): each request runs with the context continued from its headers as
 * `current()`.
 *
 * @param {(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse, ...rest: unknown[]) => unknown} listener
 * @param {{ propagator?: Propagator }} [options]
 */
export function traced(listener, { propagator } = {}) {
  if (typeof listener !== 'function') throw new TypeError('tracewire: traced needs a request listener');
  return (request, response, ...rest) => run(continueFrom(request, propagator), listener, request, response, ...rest);
}

/**
 * Sets the headers of `context` (by default the current one) on an outgoing
 * `ClientRequest` before it is sent, replacing what it holds under the same names
 * and removing a stale one the context does not have. Returns `request`.
 *
 * @template {import('node:http').OutgoingMessage} R
 * @param {R} request
 * @param {Context} [context]
 * @param {Propagator} [propagator]
 * @returns {R}
 */
export function injectRequest(request, context = current(), propagator) {
  if (typeof request?.getHeaders !== 'function' || typeof request.setHeader !== 'function') {
    throw new TypeError('tracewire: expected an http.ClientRequest');
  }
  if (!(context instanceof Context)) throw new TypeError('tracewire: no Context to inject');
  const before = request.getHeaders();
  const after = { ...before };
  if (propagator === undefined) context.inject(after);
  else propagator.inject(context, after);
  for (const name of Object.keys(before)) {
    if (!(name in after)) request.removeHeader(name);
  }
  for (const [name, value] of Object.entries(after)) {
    if (before[name] !== value) request.setHeader(name, value);
  }
  return request;
}
