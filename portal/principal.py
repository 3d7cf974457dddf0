"""Who is asking: a portal user's role, township and what that lets them see and do."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, select, true

from portal.errors import Forbidden
from warehouse.grid_tables import Grid, HouseholdGrid
from warehouse.models import Household, RiskWarning

ROLES = ("county_admin", "county_analyst", "township", "village", "grid", "department", "engineer")
COUNTY_ROLES = ("county_admin", "county_analyst")
# Roles bound inside one township: the row policies give them the township, the app narrows
# every query further to their village or grid (warning_scope, household_scope).
LOCAL_ROLES = ("village", "grid")
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
        """What the PostgreSQL policies compare rows with: the township, '*' or '' (nothing).

        Village and grid users get their township: the policies stay the township bound and
        the app's scope filters narrow it."""
        if self.is_county:
            return WHOLE_COUNTY
        if self.role in ("township", *LOCAL_ROLES) and self.township:
            return self.township
        return ""

    def township_filter(self, column) -> ColumnElement[bool]:
        """A WHERE clause for a table that knows only a township: all rows for the county, the
        township's for a township user, none for anyone else (a village or grid user's scope is
        finer than a township column can tell: use warning_scope or household_scope)."""
        if self.is_county:
            return true()
        if self.role == "township" and self.township:
            return column == self.township
        return false()

    def household_scope(self, column) -> ColumnElement[bool]:
        """A WHERE clause keeping rows whose household id (``column``) the caller may see."""
        if self.is_county:
            return true()
        if not self.township:
            return false()
        if self.role == "township":
            return column.in_(select(Household.id).where(Household.township == self.township))
        if self.role == "village" and self.village:
            return column.in_(select(Household.id).where(Household.township == self.township,
                                                         Household.village == self.village))
        if self.role == "grid" and self.village and self.grid:
            return column.in_(self._grid_households())
        return false()

    def warning_scope(self) -> ColumnElement[bool]:
        """A WHERE clause on warnings: the county all, a township its own, a village its
        village's, a grid worker only the households of the grid (never a lead without one)."""
        if self.is_county:
            return true()
        if not self.township:
            return false()
        in_township = RiskWarning.township == self.township
        if self.role == "township":
            return in_township
        if self.role == "village" and self.village:
            return and_(in_township, RiskWarning.village == self.village)
        if self.role == "grid" and self.village and self.grid:
            return and_(in_township, RiskWarning.household_id.in_(self._grid_households()))
        return false()

    def _grid_households(self):
        """The ids of the households of the caller's grid (by township, village and its name)."""
        return (select(HouseholdGrid.household_id)
                .join(Grid, Grid.id == HouseholdGrid.grid_id)
                .where(Grid.township == self.township, Grid.village == self.village,
                       Grid.name == self.grid))

    @property
    def scope_label(self) -> str:
        """The caller's area in words, for titles and file names: 龙河镇石桥村三组 or 全县."""
        if self.is_county:
            return "全县"
        parts = (self.township, self.village if self.role in LOCAL_ROLES else None,
                 self.grid if self.role == "grid" else None)
        return "".join(p for p in parts if p)

    def require(self, permission: str) -> None:
        """Raise Forbidden unless the role has ``permission`` (see PERMISSIONS)."""
        if self.role not in PERMISSIONS[permission]:
            raise Forbidden(f"角色 {self.role} 无权访问此功能")


# permission -> roles allowed. Township users see only their township, village and grid users
# only their village or grid (Principal.warning_scope); department users none of these.
PERMISSIONS = {
    "warnings": ("county_admin", "county_analyst", "township", *LOCAL_ROLES),
    "record_outcome": ("county_admin", "township"),
    "county_overview": COUNTY_ROLES,
    "feeds": ("county_admin", "county_analyst", "engineer"),
    "match_review": COUNTY_ROLES,
    # Staff-entered leads (issue 17): county and township roles, village and grid workers.
    "file_leads": ("county_admin", "county_analyst", "township", *LOCAL_ROLES),
}
