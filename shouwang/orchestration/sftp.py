"""Pulling the periods' feeds from the county's SFTP folder into the landing folder."""
from __future__ import annotations

import logging
from pathlib import Path

from shouwang.context import Context
from shouwang.orchestration.folders import airflow_settings
from shouwang.orchestration.landing import feed_of
from shouwang.orchestration.xcom import scrub

log = logging.getLogger(__name__)


def pull_sftp(ctx: Context, landing: Path, periods: list[str]) -> int:
    """Copy the periods' feeds from the configured SFTP folder into ``landing``; files already
    there with the same size are left alone. Returns how many were copied (0 when not configured).

    Settings ``airflow.sftp: {conn_id, remote_dir}`` name an Airflow connection of type sftp
    (host, port, login, password or private key; the server's ``host_key`` in its extra) and
    the folder the departments drop their files in. Each file is written as ``<name>.part`` and
    renamed once complete, so the landing sensor never sees half a feed. Any failure raises a
    RuntimeError naming the connection, the step and what to check (never the password).
    """
    import stat

    remote = airflow_settings(ctx).get("sftp")
    if not remote:
        return 0
    try:
        from airflow.providers.sftp.hooks.sftp import SFTPHook
    except ImportError as e:
        raise RuntimeError(
            "settings airflow.sftp is set but the SFTP provider is not installed: "
            "pip install -c constraints.txt apache-airflow-providers-sftp, or set airflow.sftp: null"
        ) from e
    conn_id, remote_dir = remote["conn_id"], str(remote["remote_dir"]).rstrip("/") or "/"
    wanted = set(periods)
    landing.mkdir(parents=True, exist_ok=True)
    hook, step, copied = None, "connect", 0
    try:
        hook = SFTPHook(ssh_conn_id=conn_id)
        # One SSH connection for the listing and every copy (the hook's own methods would open
        # and close one per call).
        with hook.get_managed_conn() as sftp:
            step = "list"
            entries = sorted(sftp.listdir_attr(remote_dir), key=lambda a: a.filename)
            for entry in entries:
                name = entry.filename
                if (not stat.S_ISREG(entry.st_mode or 0) or name.startswith(".")
                        or name.endswith(".part") or feed_of(name)[1] not in wanted):
                    continue
                target = landing / name
                if target.exists() and target.stat().st_size == entry.st_size:
                    continue  # copied before (a rerun or an earlier poke)
                step = f"copy {name}"
                partial = target.with_name(name + ".part")  # never show a half-copied feed
                try:
                    sftp.get(f"{remote_dir.rstrip('/')}/{name}", str(partial))
                    partial.replace(target)
                finally:
                    partial.unlink(missing_ok=True)
                copied += 1
                log.info("sftp: copied %s from %s:%s into the landing folder", name, conn_id, remote_dir)
    except Exception as e:
        raise RuntimeError(_sftp_error(conn_id, remote_dir, hook, step, e)) from e
    return copied


def _sftp_error(conn_id: str, remote_dir: str, hook: object, step: str, error: Exception) -> str:
    """What went wrong pulling from SFTP and what to do, without the connection's secrets."""
    if hook is None:
        hint = (f"define or fix the Airflow connection {conn_id!r} (type sftp: host, port, login, "
                "password or private key, host_key in its extra), or set airflow.sftp: null")
    elif step == "connect":
        hint = (f"check the Airflow connection {conn_id!r} (host, port, login, password or "
                "private key, host_key in its extra) and that the server is up")
    elif step == "list":
        hint = f"check that {remote_dir} exists and the login may read it (settings airflow.sftp.remote_dir)"
    else:
        hint = "check the free space and permissions of the landing folder, then run again"
    where = f" at {getattr(hook, 'remote_host', '?')}:{getattr(hook, 'port', '?')}" if hook else ""
    text = f"{type(error).__name__}: {error}"
    password = getattr(hook, "password", None)
    if password:  # no library is known to echo it; make sure
        text = text.replace(str(password), "***")
    return (f"SFTP pull from connection {conn_id!r}{where} failed ({step}, folder {remote_dir}): "
            f"{scrub(text)}; {hint}")
