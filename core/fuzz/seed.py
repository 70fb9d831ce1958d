#!/usr/bin/env python3
"""Seeds for the fuzz targets.

seed.py DIR                 writes seeds from the shared vectors (tests/vectors/*.json)
                            to DIR/<target>, in the layout each target reads (see
                            src/input.rs); run.sh then minimises them into
                            corpus/<target>. The propagator target takes structured
                            input and grows its seeds from the vectors' values itself.
seed.py pick CONTROL MAX    prints at most MAX of the inputs a libFuzzer merge control
                            file lists, chosen greedily for the most features not yet
                            covered: a corpus capped at a few dozen files.
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEPARATORS = [b"\n", b"|", b"\x1f", b"\xfe"]
# libFuzzer's default -max_len: larger seeds would only slow every short run;
# the size limits they reach are core/tests/bounds.rs's business.
MAX_LEN = 4096


def value(v):
    return bytes.fromhex(v["bytes"]) if isinstance(v, dict) else v.encode()


def control(case, variant):
    policy = (case.get("propagator") or {}).get("repeated", "restart")[0]
    return (policy.upper() if variant else policy).encode()


def framed(ctrl, pieces):
    for sep in SEPARATORS:
        if not any(sep in p for p in pieces):
            return ctrl + sep + sep.join(pieces)
    return None


def pairs(case, key="headers"):
    return [(n, value(v)) for n, v in case.get(key) or []]


def main(out):
    out = pathlib.Path(out)
    seeds = {}

    def add(target, data):
        if data is not None and len(data) <= MAX_LEN:
            seeds.setdefault(target, set()).add(data)

    for path in sorted((ROOT / "tests" / "vectors").glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            formats = set((case.get("propagator") or {}).get("extract", []))
            headers = pairs(case)
            lines = [n.encode() + b":" + v for n, v in headers]
            named = {}
            for name, v in headers:
                named.setdefault(name.lower(), []).append(v)
            for v in named.get("traceparent", []):
                add("traceparent", v)
            for target, name in [
                ("tracestate", "tracestate"),
                ("baggage", "baggage"),
                ("xray", "x-amzn-trace-id"),
            ]:
                if name in named:
                    add(target, framed(control(case, False), named[name]))
            if formats & {"b3", "b3multi"}:
                add("b3", framed(control(case, "b3multi" in formats), lines))
            if "jaeger" in formats:
                add("jaeger", framed(control(case, "baggage" in formats), lines))
            if "datadog" in formats:
                add("datadog", framed(control(case, False), lines))
            if "body" in case:
                add("json", value(case["body"]))
            if case.get("env"):
                env = [n.encode() + b":" + v for n, v in pairs(case, "env")]
                more = bool(formats - {"tracecontext", "baggage"})
                add("env", framed(control(case, more), env))
    for target, datas in sorted(seeds.items()):
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(sorted(datas)):
            (directory / f"vector-{i:03}").write_bytes(data)
        print(f"{target}: {len(datas)} seeds")


def pick(control_file, limit):
    lines = pathlib.Path(control_file).read_text().splitlines()
    count = int(lines[0])
    paths = lines[2 : 2 + count]
    features = {}
    for line in lines[2 + count :]:
        if line.startswith("FT "):
            index, *rest = line.split()[1:]
            features[int(index)] = set(rest)
    covered = set()
    for _ in range(int(limit)):
        best = max(features, key=lambda i: len(features[i] - covered), default=None)
        if best is None or not features[best] - covered:
            break
        covered |= features.pop(best)
        print(paths[best])


if __name__ == "__main__":
    if sys.argv[1] == "pick":
        pick(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1])
