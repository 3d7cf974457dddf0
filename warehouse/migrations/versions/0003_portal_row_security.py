"""Row-level security for the portal on PostgreSQL: a township sees only its own rows.

The portal switches to the non-owner role ``shouwang_portal`` in every transaction
(``SET LOCAL ROLE``) and sets ``shouwang.township`` to the user's township, or ``*`` for the
county. Policies read that setting; unset means no rows (fail closed). The table owner is
not subject to the policies, so the pipeline is unaffected. On SQLite this does nothing:
there the portal's queries carry the township filter themselves.

The names must match settings.yaml ``portal.db_role`` / ``portal.township_setting``; a
migration is a snapshot, so they are spelled out here.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLE = "shouwang_portal"
SETTING = "coalesce(current_setting('shouwang.township', true), '')"
COUNTY = f"{SETTING} = '*'"
OWN_HOUSEHOLDS = "household_id IN (SELECT id FROM households)"

# table -> USING expression for the portal role (also its WITH CHECK).
POLICIES = {
    "households": f"{COUNTY} OR township = {SETTING}",
    "warnings": f"{COUNTY} OR township = {SETTING}",
    "verification_tasks": f"{COUNTY} OR township = {SETTING}",
    "alerts": f"{COUNTY} OR township = {SETTING}",
    "persons": f"{COUNTY} OR {OWN_HOUSEHOLDS}",
    "household_history": f"{COUNTY} OR {OWN_HOUSEHOLDS}",
    "links": f"{COUNTY} OR {OWN_HOUSEHOLDS}",
    "warning_evidence": f"{COUNTY} OR warning_id IN (SELECT id FROM warnings)",
    "feed_records": f"{COUNTY} OR id IN (SELECT record_id FROM warning_evidence)",
    "quarantine": COUNTY,
    "match_decisions": COUNTY,
}
WRITABLE = ("warnings", "verification_tasks", "links", "match_decisions", "audit_log")


def upgrade() -> None:
    """Create the role (once per cluster), grant it, enable RLS and add the policies."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    # A non-superuser owner must be a member of the role to SET ROLE to it.
    op.execute(
        f"DO $$ BEGIN IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
        f"THEN EXECUTE 'GRANT {ROLE} TO ' || quote_ident(current_user); END IF; END $$"
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {ROLE}")
    for table in WRITABLE:
        op.execute(f"GRANT INSERT, UPDATE ON {table} TO {ROLE}")
    for table, using in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY portal_scope ON {table} TO {ROLE} USING ({using})")
    # The audit log: every portal user appends; a township reads back only its own entries
    # (INSERT ... RETURNING needs the new row to pass the SELECT policy too).
    op.execute("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY portal_append ON audit_log FOR INSERT TO {ROLE} WITH CHECK (true)")
    op.execute(f"CREATE POLICY portal_read ON audit_log FOR SELECT TO {ROLE} "
               f"USING ({COUNTY} OR township = {SETTING})")


def downgrade() -> None:
    """Drop the policies and grants; the role stays (it is shared by the cluster's databases)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS portal_append ON audit_log")
    op.execute("DROP POLICY IF EXISTS portal_read ON audit_log")
    op.execute("ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY")
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS portal_scope ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
