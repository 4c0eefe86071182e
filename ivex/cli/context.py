"""What every ``ivex`` subcommand receives: the config path, and settings loaded on use."""

from __future__ import annotations

from pathlib import Path

from ivex.settings import Settings, load_settings


class CliContext:
    """Carries the config path; settings are loaded on first use, not on import."""

    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The federation settings, loaded once."""
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings
