"""How long a PDF ticket takes to render, against the cheapest PDF reportlab can make.

    python bench/ticket_pdf.py [-n 50]

Renders a 1-ticket and a 4-ticket purchase N times each (after one warm-up render, so imports
and font loading are not counted), and in the same run a one-line reportlab PDF as the
baseline. Prints median and p95 in milliseconds, the PDF size, and the ratio to the baseline.
Rendering only: no S3, no validation.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lambda_pdf.schema import parse_ticket
from lambda_pdf.ticket import render_ticket_pdf


def sample_payload(quantity: int) -> dict:
    return {
        "purchase_id": "7f0c2a4e-5d7b-4c1e-9a51-2f7d8e3b6c10",
        "purchase_number": "CPE-000123",
        "issued_at": "2026-11-20T17:03:12+00:00",
        "buyer": {"name": "María José Peña Olavarría", "email": "mariajose.pena@example.cl"},
        "event": {
            "name": "Los Bunkers: Gira Noche de Navidad 2026",
            "starts_at": "2026-12-26T21:00:00-03:00",
            "location": "Teatro Caupolicán, San Diego 850, Santiago",
        },
        "quantity": quantity,
        "unit_price": 25000,
        "total": 25000 * quantity,
        "currency": "CLP",
        # About the length of a signed code: payload plus an HMAC-SHA256 in base64url.
        "tickets": [
            {"code": f"CPE1.{n:06d}.7Hx9Qm2LpR4vB8nK3tYw.Zq5Xc8Vb1Nm4As7Df0Gh3Jk6Lp9Oi2Uy5Tr8Ew1Q"}
            for n in range(1, quantity + 1)
        ],
        "language": "es",
    }


def baseline_pdf() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 770, "CPE Ticket Seller")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def measure(render: Callable[[], bytes], runs: int) -> tuple[float, float, int]:
    size = len(render())  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=50, help="renders per case (50)")
    runs = parser.parse_args().runs

    base_median, base_p95, base_size = measure(baseline_pdf, runs)
    print(f"{runs} renders per case, Python {sys.version.split()[0]}")
    _row("case", "median ms", "p95 ms", "bytes", "x baseline")
    _row("baseline (1 line, A4)", base_median, base_p95, base_size, 1.0)
    for quantity in (1, 4):
        data = parse_ticket(sample_payload(quantity))
        median, p95, size = measure(lambda data=data: render_ticket_pdf(data), runs)
        label = f"ticket x{quantity} ({quantity} page{'s' if quantity > 1 else ''})"
        _row(label, median, p95, size, median / base_median)


def _row(label: str, *cells: object) -> None:
    widths = (10, 10, 9, 12)
    text = "".join(
        f"{cell:>{w}.2f}" if isinstance(cell, float) else f"{cell:>{w}}"
        for cell, w in zip(cells, widths, strict=True)
    )
    print(f"{label:<26}{text}")


if __name__ == "__main__":
    main()
