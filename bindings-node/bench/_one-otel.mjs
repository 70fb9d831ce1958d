import * as api from '@opentelemetry/api';
import * as core from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { openTelemetry } from './workload.mjs';
const which = process.argv[2];
const otel = openTelemetry({ api, core, ids: new RandomIdGenerator(), text: (b) => b.toString() });
const U = { host: 'orders.internal:8080', 'user-agent': 'checkout/4.2.1 (+https://example.com)', accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'content-type': 'application/json; charset=utf-8', 'x-request-id': '7f3c1d2e-5a4b-4c6d-8e9f-0a1b2c3d4e5f' };
const H = { ...U, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' };
const ops = { hit: () => otel.continueAndInject(H), miss: () => otel.continueAndInject(U), extract: () => otel.spanContext(otel.extract(H)).spanId };
const op = ops[which];
const now = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const n = 2000; let best = Infinity;
for (let r = 0; r < 400; r++) { const s = now(); for (let i = 0; i < n; i++) op(); const e = (now() - s) * 1e6 / n; if (r > 50 && e > 0) best = Math.min(best, e); }
console.log(best.toFixed(0));
