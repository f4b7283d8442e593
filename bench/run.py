"""Run every benchmark and print one table: each figure beside its baseline, with the ratio.

    .venv/bin/python -m bench.run            # the full run recorded in docs/benchmarks.md
    .venv/bin/python -m bench.run --quick    # CI-sized loads, a few minutes
    .venv/bin/python -m bench.run --only chat,lateness --markdown results.md

Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/bench);
each benchmark creates and empties databases of its own there (bench_*), never `test`.
The parser benchmark, when bench/parser.py exists, runs as its own command and its
output is printed after the table.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import chat, delivery, lateness, queue_scale, scheduling
from bench.common import Row, database_url
from storage.database import normalise_url

logger = logging.getLogger(__name__)

BENCH_DIR = Path(__file__).resolve().parent
NAMES = ["chat", "delivery", "lateness", "scale", "scheduling", "parser"]


async def _scale(quick: bool) -> list[Row]:
    rows, plans = await queue_scale.run(quick)
    for name, plan in plans.items():
        print(f"\nEXPLAIN ANALYZE of {name}'s query:\n{plan}\n", flush=True)
    return rows


BENCHMARKS: dict[str, Callable[[bool], Awaitable[list[Row]]]] = {
    "chat": chat.run,
    "delivery": delivery.run,
    "lateness": lateness.run,
    "scale": _scale,
    "scheduling": scheduling.run,
}


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": _memory(),
        "python": platform.python_version(),
        "postgresql": asyncio.run(_postgres_version()),
    }


def _memory() -> str:
    with open("/proc/meminfo") as meminfo:
        kib = int(meminfo.readline().split()[1])
    return f"{kib / 1024 / 1024:.0f} GiB"


async def _postgres_version() -> str:
    engine = create_async_engine(normalise_url(database_url("postgres")))
    async with engine.connect() as connection:
        version = str(await connection.scalar(text("SHOW server_version")))
    await engine.dispose()
    return version


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | measure | postlater | baseline | baseline value | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        baseline_unit = row.unit if row.baseline is not None else ""
        lines.append(
            f"| {row.benchmark} | {row.measure} | {_number(row.value)} {row.unit} | "
            f"{row.baseline_name} | {_number(row.baseline)} {baseline_unit} | "
            f"{ratio} | {row.target} | {met} |"
        )
    return "\n".join(lines)


def run_parser(quick: bool) -> str:
    """Run the parser benchmark as its owner wrote it; return its output."""
    if not (BENCH_DIR / "parser.py").exists():
        return "bench/parser.py does not exist yet; parser benchmark skipped"
    command = [sys.executable, "-m", "bench.parser", *(["--quick"] if quick else [])]
    finished = subprocess.run(
        command, cwd=BENCH_DIR.parent, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        return f"bench.parser exited with {finished.returncode}:\n{finished.stderr.strip()}"
    return finished.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized loads (a few minutes)")
    parser.add_argument(
        "--only", default=",".join(NAMES), help=f"comma-separated subset of {','.join(NAMES)}"
    )
    parser.add_argument(
        "--markdown", type=Path, help="also write the table and machine to this file"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {NAMES}")

    about = machine()
    command = "python -m bench.run" + (" --quick" if args.quick else "")
    header = "\n".join(f"- {key}: {value}" for key, value in about.items())
    print(f"{command}\n{header}\n", flush=True)

    rows: list[Row] = []
    failed = []
    for name in chosen:
        if name == "parser":
            continue
        started = time.monotonic()
        print(f"running {name} ...", flush=True)
        try:
            found = asyncio.run(BENCHMARKS[name](args.quick))
        except Exception:
            # One broken benchmark must not lose the others' results.
            logger.exception("benchmark %s failed", name)
            failed.append(name)
            continue
        rows.extend(found)
        print(f"{name} took {time.monotonic() - started:.0f} s\n{table(found)}\n", flush=True)

    result = table(rows)
    print("\n" + result)
    parser_output = run_parser(args.quick) if "parser" in chosen else ""
    if parser_output:
        print("\nparser benchmark (bench/parser.py):\n" + parser_output)
    if args.markdown is not None:
        args.markdown.write_text(f"`{command}`\n\n{header}\n\n{result}\n")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
