"""Ticket delivery: signed ticket codes, the PDF (rendered in-process or by the Lambda),
the "your tickets" / "your money was refunded" emails (exactly once per outcome), the
download endpoints and the staff check-in at the door.

Lives inside the `payments` app (models declare `app_label = "payments"`); see
`services.py` for the flow and `jobs.py` for what RQ runs.
"""
