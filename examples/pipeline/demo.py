#!/usr/bin/env python3
"""Runs the order pipeline once and prints the trace it left.

Starts a Kafka broker (examples/kafka/broker.sh) and the five services, places
one order through the checkout page in headless Chromium, waits until the story
ends (the email is sent, or with ``--fail payment`` the payment is declined),
stops everything, and prints the trace rebuilt from the services' span records
with ``tracewire tree``. The run directory keeps every log, span file and the
Zipkin v2 / OTLP exports.

    demo.py [--fail payment] [--user-orders-headers off] [--run-dir DIR]

Exit status: 0 when the run went as asked (a complete trace; with ``--fail
payment`` a trace that stops at payment-service), 1 otherwise.

Environment: ``FAIL`` (default of ``--fail``), ``KAFKA_PORT`` (broker port,
default 19092), ``PIPELINE_TARGET`` (cargo target dir with the built services
and CLI, default <repo>/target/pipeline), ``PYTHON`` (interpreter with the
tracewire wheel and confluent-kafka, default <repo>/.venv/bin/python),
``CHROMIUM``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BROKER = REPO / "examples" / "kafka" / "broker.sh"
TARGET = Path(os.environ.get("PIPELINE_TARGET", REPO / "target" / "pipeline"))
TOPICS = "user-orders,orders,inventory,payments"
STOP_GRACE = 5.0


def progress(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


@dataclass
class Service:
    """One service process, its log (JSON lines on stdout) and its span file."""

    name: str
    command: list[str]
    env: dict[str, str]
    run_dir: Path
    process: subprocess.Popen[bytes] | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    _offset: int = 0

    @property
    def log_file(self) -> Path:
        return self.run_dir / "logs" / f"{self.name}.log"

    @property
    def stderr_file(self) -> Path:
        return self.run_dir / "logs" / f"{self.name}.stderr"

    def start(self) -> None:
        with open(self.log_file, "wb") as out, open(self.stderr_file, "wb") as err:
            # A session of its own: a Ctrl-C in the terminal reaches only this
            # script, which then stops the services in order.
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env={**os.environ, **self.env},
                cwd=HERE,
                start_new_session=True,
            )

    def read(self) -> list[dict[str, Any]]:
        """The log lines written since the last call."""
        with open(self.log_file, "rb") as log:
            log.seek(self._offset)
            chunk = log.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        new = []
        for raw in chunk[:end].splitlines():
            try:
                new.append(json.loads(raw))
            except ValueError:
                continue
        self.lines.extend(new)
        return new

    def has(self, event: str) -> bool:
        self.read()
        return any(line.get("event") == event for line in self.lines)

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            tail = self.stderr_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(
                f"{self.name} exited with status {self.process.returncode}:\n{tail}"
            )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            progress(f"{self.name} did not stop within {STOP_GRACE:.0f} s; killing it")
            signal_group(self.process, signal.SIGKILL)
            self.process.wait()


def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(what: str, ready: Any, services: list[Service], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for service in services:
            service.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def start_broker(run_dir: Path) -> str:
    started = time.monotonic()
    with open(run_dir / "logs" / "broker.sh.log", "ab") as err:
        # Its own session: a Ctrl-C must not take the broker down before the
        # services have left their consumer groups.
        result = subprocess.run(
            [str(BROKER), "start"],
            env={**os.environ, "KAFKA_TOPICS": TOPICS},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            check=False,
            start_new_session=True,
        )
    if result.returncode != 0:
        log = (run_dir / "logs" / "broker.sh.log").read_text(errors="replace")
        raise RuntimeError(f"the broker did not start:\n{log[-3000:]}")
    bootstrap = result.stdout.decode().strip().splitlines()[-1]
    progress(f"Kafka broker on {bootstrap} ({time.monotonic() - started:.1f} s)")
    return bootstrap


def stop_broker(run_dir: Path) -> None:
    with open(run_dir / "logs" / "broker.sh.log", "ab") as err:
        subprocess.run(
            [str(BROKER), "stop"],
            stdin=subprocess.DEVNULL,
            stderr=err,
            check=False,
            start_new_session=True,
        )
    progress("Kafka broker stopped")


def services(
    args: argparse.Namespace, run_dir: Path, bootstrap: str, port: int
) -> list[Service]:
    python = os.environ.get("PYTHON", str(REPO / ".venv" / "bin" / "python"))
    spans = run_dir / "spans"

    def env(name: str, **extra: str) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP": bootstrap,
            "SPAN_FILE": str(spans / f"{name}.jsonl"),
            "FAIL": args.fail,
            **extra,
        }

    def service(name: str, command: list[str], **extra: str) -> Service:
        return Service(name, command, env(name, **extra), run_dir)

    bins = TARGET / "release"
    return [
        service(
            "user-service",
            [str(bins / "user-service")],
            PORT=str(port),
            WEB_ROOT=str(HERE / "web"),
            PAGE_SPAN_FILE=str(spans / "checkout-page.jsonl"),
            USER_ORDERS_HEADERS=args.user_orders_headers,
        ),
        service("order-service", [str(bins / "order-service")]),
        service("inventory-service", [python, "python/inventory.py"]),
        service("payment-service", [python, "python/payment.py"]),
        service(
            "notification-service",
            ["node", "node/notification.mjs"],
            KAFKAJS_NO_PARTITIONER_WARNING="1",
        ),
    ]


def place_order(url: str, run_dir: Path, timeout: float) -> dict[str, Any]:
    """Clicks "Place order" in headless Chromium; the page's answer."""
    with open(run_dir / "logs" / "browser.stderr", "wb") as err:
        browser = subprocess.Popen(
            ["node", "node/place-order.mjs", url],
            cwd=HERE,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
        try:
            out, _ = browser.communicate(timeout=timeout)
        finally:
            # Chromium's helpers live in the driver's session: none may outlive it.
            signal_group(browser, signal.SIGKILL)
            browser.wait()
    try:
        reply: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        log = (run_dir / "logs" / "browser.stderr").read_text(errors="replace")
        raise RuntimeError(f"the browser step failed:\n{log[-2000:]}") from None
    return reply


def tree(run_dir: Path, trace_id: str | None) -> int:
    """Prints the trace as a tree and writes the exports; the CLI's exit status."""
    cli = str(TARGET / "debug" / "tracewire")
    files = sorted(str(path) for path in (run_dir / "spans").glob("*.jsonl"))
    selector = ["--trace-id", trace_id] if trace_id else []
    result = subprocess.run(
        [cli, "tree", *selector, *files], capture_output=True, text=True, check=False
    )
    (run_dir / "tree.txt").write_text(result.stdout)
    print(result.stdout, end="", flush=True)
    if result.returncode not in (0, 3):
        progress(f"tracewire tree failed: {result.stderr.strip()}")
    for fmt, name in (("zipkin", "zipkin.json"), ("otlp", "otlp.json")):
        with open(run_dir / name, "w") as out:
            subprocess.run([cli, "export", fmt, *files], stdout=out, check=True)
    return result.returncode


def run(args: argparse.Namespace, run_dir: Path) -> int:
    for sub in ("logs", "spans"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    result: dict[str, Any] = {"fail": args.fail or None, "run_dir": str(run_dir)}
    with ExitStack() as stack:
        # Registered first, so it runs last, and also after a failed start.
        stack.callback(stop_broker, run_dir)
        bootstrap = start_broker(run_dir)
        procs = services(args, run_dir, bootstrap, port)
        started = time.monotonic()
        for service in procs:
            service.start()
            stack.callback(service.stop)
        result["pids"] = {s.name: s.process.pid for s in procs if s.process}
        wait_for(
            "the services to be ready",
            lambda: all(s.has("ready") for s in procs),
            procs,
            args.timeout,
        )
        progress(f"{len(procs)} services ready ({time.monotonic() - started:.1f} s)")

        reply = place_order(f"http://127.0.0.1:{port}/", run_dir, args.timeout)
        result.update(reply)
        progress(f"browser: {reply['text']!r}".replace("\\n", " · "))
        by_name = {s.name: s for s in procs}
        payment, notification = (
            by_name["payment-service"],
            by_name["notification-service"],
        )
        if args.fail == "payment":
            # The other branch goes on: notification-service gets the inventory
            # reservation, and waits in vain for the payment.
            wait_for(
                "the payment to fail",
                lambda: (
                    payment.has("payment.failed") and notification.has("kafka.received")
                ),
                procs,
                args.timeout,
            )
            progress("payment-service declined the payment")
        else:
            wait_for(
                "the email", lambda: notification.has("email.sent"), procs, args.timeout
            )
            email = next(
                line for line in notification.lines if line["event"] == "email.sent"
            )
            progress(
                f"notification-service: email to {email['to']}: {email['subject']!r}"
            )
    # Everything stopped (services first, then the broker): all records are on disk.
    status = tree(run_dir, result.get("traceId"))
    result["tree_exit_status"] = status
    (run_dir / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    progress(
        f"run directory {run_dir} (logs/, spans/, tree.txt, zipkin.json, otlp.json)"
    )
    expected = 3 if args.fail == "payment" else 0
    return 0 if status == expected else 1


def interrupted(signum: int, _frame: object) -> None:
    """Ctrl-C or SIGTERM (a test runner, a CI timeout): unwind, stopping everything.
    A second signal must not cut that cleanup short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(signum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fail", choices=["", "payment"], default=os.environ.get("FAIL", "")
    )
    parser.add_argument(
        "--user-orders-headers",
        choices=["on", "off"],
        default="on",
        help="off: user-service publishes without record headers (context in the body)",
    )
    parser.add_argument(
        "--run-dir", type=Path, help="default: $PIPELINE_TARGET/runs/<time>-<pid>"
    )
    parser.add_argument(
        "--port", type=int, help="user-service HTTP port (default: a free one)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per wait")
    args = parser.parse_args()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = args.run_dir or TARGET / "runs" / f"{stamp}-{os.getpid()}"
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        return run(args, run_dir.resolve())
    except (RuntimeError, TimeoutError) as error:
        progress(f"error: {error}")
        if any(path.stat().st_size for path in (run_dir / "spans").glob("*.jsonl")):
            progress("what was recorded before the error:")
            tree(run_dir.resolve(), None)
        progress(f"logs in {run_dir}/logs")
        return 1
    except KeyboardInterrupt:
        progress("interrupted; everything was stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
