"""Local email: print each message to the console and keep a copy as an .eml file.

The default EMAIL_BACKEND while DEBUG is on. Open the copies in any mail program (or read
them: they are plain text) from EMAIL_FILE_PATH (`var/emails/` by default).
"""

import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils import timezone


class ConsoleAndFileBackend(ConsoleEmailBackend):
    def __init__(self, *args, file_path: str | os.PathLike | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)

    def write_message(self, message) -> None:
        super().write_message(message)
        self.file_path.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
        # Written under a temporary name and renamed: a reader never sees half a message.
        fd, tmp = tempfile.mkstemp(dir=self.file_path, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(message.message().as_bytes())
            os.replace(tmp, self.file_path / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
