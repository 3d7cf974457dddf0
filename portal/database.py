"""Request sessions: on PostgreSQL every transaction runs as the restricted portal role."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal.department_checks import department_of
from portal.principal import Principal
from warehouse.db import session_scope


def restrict(session: Session, engine: Engine, settings: dict, principal: Principal | None) -> None:
    """Make each of the session's transactions ``SET LOCAL ROLE`` the portal role with the
    caller's township in the RLS setting (PostgreSQL only; '' when nobody is logged in), and a
    department user's department in its own setting (migration 0013; '' for everyone else)."""
    if engine.dialect.name != "postgresql":
        return
    cfg = settings["portal"]
    role = engine.dialect.identifier_preparer.quote(cfg["db_role"])
    township = principal.rls_township if principal else ""
    # The contract's module name, as department_checks rows store it (a user bound by label: 卫健).
    department = (department_of(principal) or "") if principal else ""
    department_setting = settings["departments"]["rls_setting"]

    @event.listens_for(session, "after_begin")
    def _as_portal_role(_session, _transaction, connection) -> None:
        connection.exec_driver_sql(f"SET LOCAL ROLE {role}")
        connection.execute(text("SELECT set_config(:name, :value, true), "
                                "set_config(:dept_name, :dept_value, true)"),
                           {"name": cfg["township_setting"], "value": township,
                            "dept_name": department_setting, "dept_value": department})


@contextmanager
def portal_session(engine: Engine, settings: dict, principal: Principal | None
                   ) -> Iterator[Session]:
    """A session restricted to ``principal``'s rows; commits on success, rolls back on error."""
    with session_scope(engine) as session:
        restrict(session, engine, settings, principal)
        yield session
