"""Bring the cluster's SCRAM users and ACLs to the access model, idempotently.

:func:`plan_access` is pure (desired vs present); :func:`apply_access` asks the cluster
as the admin, changes what differs, waits until the broker serves the change, and
returns what it added, removed and left alone. Users and ACLs of principals this
federation does not manage are never touched.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError

from ivex.access.model import Grant, grants, is_managed, principals
from ivex.errors import ProvisionError
from ivex.kafka_config import client_config
from ivex.passwords import ensure_password
from ivex.settings import Settings

_MECHANISM = ScramMechanism.SCRAM_SHA_512


@dataclass(frozen=True)
class AccessPlan:
    """What differs between the access model and the cluster."""

    users_to_add: tuple[str, ...]
    users_to_remove: tuple[str, ...]
    users_kept: tuple[str, ...]
    grants_to_add: tuple[Grant, ...]
    grants_to_remove: tuple[Grant, ...]
    grants_kept: tuple[Grant, ...]

    @property
    def changed(self) -> bool:
        """True when applying it changes anything."""
        return bool(
            self.users_to_add or self.users_to_remove or self.grants_to_add or self.grants_to_remove
        )


def plan_access(
    settings: Settings, present_users: Iterable[str], present_grants: Iterable[Grant]
) -> AccessPlan:
    """Compare the model with the cluster's users and ALLOW ACLs (all principals)."""
    wanted_users = {p.user for p in principals(settings)}
    users = {u for u in present_users if is_managed(settings, u)}
    wanted = grants(settings)
    present = {g for g in present_grants if is_managed(settings, g.principal)}
    return AccessPlan(
        users_to_add=tuple(sorted(wanted_users - users)),
        users_to_remove=tuple(sorted(users - wanted_users)),
        users_kept=tuple(sorted(users & wanted_users)),
        grants_to_add=tuple(sorted(wanted - present)),
        grants_to_remove=tuple(sorted(present - wanted)),
        grants_kept=tuple(sorted(wanted & present)),
    )


def apply_access(settings: Settings, *, timeout_s: float = 30.0) -> AccessPlan:
    """Create missing users (passwords from, or generated into, the secrets file), add
    missing ACLs, remove stale ones; returns the plan it carried out."""
    with admin_client(settings, timeout_s) as admin:
        plan = plan_access(settings, _users(admin), _grants(admin))
        try:
            _alter_users(admin, settings, plan)
            if plan.grants_to_add:
                _check(admin.create_acls([_acl(g) for g in plan.grants_to_add]))
            if plan.grants_to_remove:
                admin.delete_acls([_acl(g) for g in plan.grants_to_remove])
            _wait_applied(admin, settings, timeout_s)
        except KafkaError as exc:
            raise ProvisionError("*", f"Kafka refused an access change: {exc}") from exc
    return plan


def set_user_password(settings: Settings, user: str, password: str) -> None:
    """Create or replace ``user``'s SCRAM-SHA-512 credential (rotation)."""
    with admin_client(settings, 30.0) as admin:
        _upsert(admin, {user: password})


@contextlib.contextmanager
def admin_client(settings: Settings, timeout_s: float) -> Iterator[Any]:
    """An admin client for ``settings``' principal, closed afterwards."""
    timeout_ms = int(timeout_s * 1000)
    try:
        admin = KafkaAdminClient(
            **client_config(settings),
            client_id="ivex-access",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
    except KafkaError as exc:
        raise ProvisionError(
            "*", f"cannot reach Kafka at {settings.kafka.bootstrap_servers}: {exc}"
        ) from exc
    try:
        yield admin
    finally:
        with contextlib.suppress(Exception):
            admin.close()


def _users(admin: Any) -> list[str]:
    return [str(u) for u in admin.describe_user_scram_credentials()]


def _grants(admin: Any) -> list[Grant]:
    any_resource = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)
    acl_filter = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, any_resource)
    acls, _ = admin.describe_acls(acl_filter)
    out = []
    for acl in acls:
        if acl.permission_type != ACLPermissionType.ALLOW or acl.host != "*":
            continue
        principal = str(acl.principal)
        if not principal.startswith("User:"):
            continue
        pattern = acl.resource_pattern
        out.append(
            Grant(
                principal.removeprefix("User:"),
                pattern.resource_type.name,
                pattern.resource_name,
                pattern.pattern_type.name,
                acl.operation.name,
            )
        )
    return out


def _acl(grant: Grant) -> ACL:
    return ACL(
        principal=f"User:{grant.principal}",
        host="*",
        operation=ACLOperation[grant.operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            ResourceType[grant.resource],
            grant.name,
            ACLResourcePatternType[grant.pattern],
        ),
    )


def _check(result: dict[str, list[Any]]) -> None:
    if result.get("failed"):
        raise ProvisionError("*", f"creating ACLs failed: {result['failed'][0]}")


def _alter_users(admin: Any, settings: Settings, plan: AccessPlan) -> None:
    if plan.users_to_add:
        _upsert(admin, {u: ensure_password(settings, u)[0] for u in plan.users_to_add})
    if plan.users_to_remove:
        deletions = [UserScramCredentialDeletion(u, _MECHANISM) for u in plan.users_to_remove]
        _raise_failed(admin.alter_user_scram_credentials(deletions))


def _upsert(admin: Any, passwords: dict[str, str]) -> None:
    upserts = [UserScramCredentialUpsertion(u, _MECHANISM, pw) for u, pw in passwords.items()]
    _raise_failed(admin.alter_user_scram_credentials(upserts))


def _raise_failed(result: dict[str, str | None]) -> None:
    for user, error in result.items():
        if error:
            raise ProvisionError(user, f"altering SCRAM credentials failed: {error}")


def _wait_applied(admin: Any, settings: Settings, timeout_s: float) -> None:
    # Users and ACLs go through the controller; the broker serves them a moment later.
    # Clients connecting right after provisioning must not meet the old state.
    deadline = time.monotonic() + timeout_s
    while plan_access(settings, _users(admin), _grants(admin)).changed:
        if time.monotonic() > deadline:
            raise ProvisionError("*", f"access changes not visible after {timeout_s:.0f}s")
        time.sleep(0.1)


def revoke_access(settings: Settings, *, timeout_s: float = 30.0) -> None:
    """Remove every user and ACL of this federation's principals (a torn-down federation)."""
    with admin_client(settings, timeout_s) as admin:
        users = [u for u in _users(admin) if is_managed(settings, u)]
        stale = [g for g in _grants(admin) if is_managed(settings, g.principal)]
        if stale:
            admin.delete_acls([_acl(g) for g in stale])
        if users:
            deletions = [UserScramCredentialDeletion(u, _MECHANISM) for u in users]
            _raise_failed(admin.alter_user_scram_credentials(deletions))
