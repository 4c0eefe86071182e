"""Passwords of the federation's Kafka principals: environment first, then the secrets file.

The secrets file is JSON (``{"user": "password", …}``) readable by its owner only
(mode 0600). Passwords never live in the federation config. Missing passwords are
generated (``secrets.token_urlsafe``) and written back, so provisioning needs no
manual step; a city that receives its password keeps it wherever its own secrets live.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from ivex.errors import ConfigError
from ivex.settings import Settings

#: Owner read/write only: the file holds every principal's password.
FILE_MODE = 0o600
_PASSWORD_BYTES = 24


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"secrets file unreadable: {exc}", source=str(path)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(
            "secrets file must be a JSON object of user -> password", source=str(path)
        )
    return {str(k): v for k, v in data.items()}


def write_secrets(path: Path, passwords: dict[str, str]) -> None:
    """Write ``passwords`` to ``path`` atomically, created with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(dict(sorted(passwords.items())), out, indent=2)
        out.write("\n")
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)


def lookup_password(settings: Settings, user: str) -> str | None:
    """The password of ``user``: from ``access.passwords`` (environment), else the file."""
    given = settings.access.passwords.get(user)
    if given is not None and given.get_secret_value():
        return given.get_secret_value()
    return _read(settings.access.secrets_file).get(user)


def ensure_password(settings: Settings, user: str) -> tuple[str, bool]:
    """The password of ``user``, generated into the secrets file when it has none.

    Returns ``(password, generated)``.
    """
    known = lookup_password(settings, user)
    if known:
        return known, False
    return set_password(settings, user, new_password()), True


def set_password(settings: Settings, user: str, password: str) -> str:
    """Store ``password`` for ``user`` in the secrets file (rotation, generation)."""
    path = settings.access.secrets_file
    current = _read(path)
    current[user] = password
    write_secrets(path, current)
    return password


def new_password() -> str:
    """A fresh random password (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(_PASSWORD_BYTES)
