#!/usr/bin/env python3
"""Parses Prometheus text exposition on stdin with the Prometheus project's
own Python client (Debian's python3-prometheus-client) and prints one JSON
object per sample: {"name": ..., "labels": {...}, "value": ...}. Anything
the parser refuses exits non-zero with its error on stderr, as do a family
without HELP or TYPE, and a sample seen twice."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    seen = set()
    for family in text_string_to_metric_families(text):
        if not family.documentation or family.type == "unknown":
            sys.exit(f"family {family.name}: no HELP or TYPE")
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            if key in seen:
                sys.exit(f"sample {key} appears twice")
            seen.add(key)
            print(json.dumps({"name": sample.name, "labels": sample.labels,
                              "value": sample.value}))


if __name__ == "__main__":
    main()
