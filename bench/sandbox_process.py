"""Run the sandbox in its own process for the benchmark and print its coordinates as JSON.

The sandbox generates and serves data in Python; in the same process as the connector it would
compete for the GIL and blur what is measured. Stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from visma_hrm.sandbox import SandboxConfig, start_sandbox


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, required=True)
    parser.add_argument("--tenants", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--job-seconds", type=float, default=0.0)
    parser.add_argument("--rows-per-file", type=int, default=50_000)
    # The real API's change filter is inexact; a small share keeps "1% changed" meaningful.
    parser.add_argument("--unchanged-fraction", type=float, default=0.002)
    args = parser.parse_args()
    config = SandboxConfig(
        seed=args.seed,
        tenants=args.tenants,
        employees=args.employees,
        job_duration_s=args.job_seconds,
        rows_per_file=args.rows_per_file,
        link_ttl_s=3600,
        incremental_unchanged_fraction=args.unchanged_fraction,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with start_sandbox(config) as sandbox:
        info = {
            "api_url": sandbox.api_url,
            "token_url": sandbox.token_url,
            "base_url": sandbox.base_url,
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "tenant_ids": sandbox.tenant_ids,
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        stop.wait()


if __name__ == "__main__":
    main()
