"""Local email: keep each message as an .eml file, and print it to the console while
developing.

`ConsoleAndFileBackend` is the default EMAIL_BACKEND while DEBUG is on. `FileBackend` keeps
the copies only: for a stack run with production settings and no SMTP server (the benches),
where printing every message would make the process runner relay thousands of lines that
production's SMTP client never writes. Open the copies in any mail program (or read them:
they are plain text) from EMAIL_FILE_PATH (`var/emails/` by default).
"""

import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils import timezone


def _keep_copy(folder: Path, message) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
    # Written under a temporary name and renamed: a reader never sees half a message.
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(message.message().as_bytes())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | os.PathLike | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if message.recipients():
                _keep_copy(self.file_path, message)
                sent += 1
        return sent


class ConsoleAndFileBackend(ConsoleEmailBackend):
    def __init__(self, *args, file_path: str | os.PathLike | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)

    def write_message(self, message) -> None:
        super().write_message(message)
        _keep_copy(self.file_path, message)
