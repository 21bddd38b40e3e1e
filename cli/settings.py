"""What the command line is told from the environment (or ``.env``) for every verb: the accepted
dates (``LEADCONV_DATE_MIN``, ``LEADCONV_DATE_MAX``; ``features.dates.DateWindow``), the same
variables the service reads, so a file and a request are held to one window."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from features.dates import DateWindow


class CommandSettings(BaseSettings):
    """``LEADCONV_*`` settings of the command line (the service has its own, ``serving.config``)."""

    model_config = SettingsConfigDict(env_prefix="LEADCONV_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore", frozen=True)

    date_min: str = "1990-01-01"
    date_max: str = "2100-12-31"

    @property
    def date_window(self) -> DateWindow:
        """The accepted dates; ValueError naming the variables when they are unusable."""
        return DateWindow.from_text(self.date_min, self.date_max)
