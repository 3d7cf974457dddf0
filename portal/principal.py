"""Who is asking: a portal user's role, township and what that lets them see and do."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from portal.errors import Forbidden

ROLES = ("county_admin", "county_analyst", "township", "village", "grid", "department", "engineer")
COUNTY_ROLES = ("county_admin", "county_analyst")
# The value of the RLS setting that lets a county user see every township.
WHOLE_COUNTY = "*"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, reloaded from the users table on every request."""

    user_id: int
    name: str
    role: str
    township: str | None = None
    village: str | None = None  # roles village and grid
    grid: str | None = None  # role grid: the grid's code
    department: str | None = None  # role department

    @classmethod
    def of(cls, user) -> "Principal":  # user: warehouse.models.User
        """The principal of a users row."""
        return cls(user_id=user.id, name=user.name, role=user.role, township=user.township,
                   village=user.village, grid=user.grid, department=user.department)

    @property
    def is_county(self) -> bool:
        """County admins and analysts see every township."""
        return self.role in COUNTY_ROLES

    @property
    def rls_township(self) -> str:
        """What the PostgreSQL policies compare rows with: the township, '*' or '' (nothing)."""
        if self.is_county:
            return WHOLE_COUNTY
        if self.role == "township" and self.township:
            return self.township
        return ""

    def township_filter(self, column) -> ColumnElement[bool]:
        """A WHERE clause keeping only rows of the caller's township (all for the county)."""
        if self.is_county:
            return true()
        return column == self.rls_township

    def require(self, permission: str) -> None:
        """Raise Forbidden unless the role has ``permission`` (see PERMISSIONS)."""
        if self.role not in PERMISSIONS[permission]:
            raise Forbidden(f"角色 {self.role} 无权访问此功能")


# permission -> roles allowed. Township users see only their township (Principal.township_filter).
PERMISSIONS = {
    "warnings": ("county_admin", "county_analyst", "township"),
    "record_outcome": ("county_admin", "township"),
    "county_overview": COUNTY_ROLES,
    "feeds": ("county_admin", "county_analyst", "engineer"),
    "match_review": COUNTY_ROLES,
}
