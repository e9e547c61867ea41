"""PDF tickets: render a purchase with reportlab and store it in S3 (an AWS Lambda function).

Imports nothing from Django or the project's other packages, so the same code runs in Lambda
and in-process in the Django app (the local backend). Modules:

    schema   parse_ticket(payload) -> TicketData, TicketDataError
    ticket   render_ticket_pdf(data) -> bytes
    storage  make_s3_client, new_ticket_key, put_ticket_pdf, presigned_ticket_url, ...
    handler  handler(event, context) -> {"bucket", "key", "url"} | {"error": {...}}

This file stays empty of imports so `import lambda_pdf.schema` does not load reportlab or boto3.
"""
