"""The federation's access model (who may read and write what) and its provisioning."""

from ivex.access.apply import AccessPlan, apply_access, plan_access, set_user_password
from ivex.access.model import (
    Grant,
    Principal,
    city_user,
    grants,
    operator_user,
    principals,
    processors_user,
)

__all__ = [
    "AccessPlan",
    "Grant",
    "Principal",
    "apply_access",
    "city_user",
    "grants",
    "operator_user",
    "plan_access",
    "principals",
    "processors_user",
    "set_user_password",
]
