"""A real SFTP server for tests: asyncssh on 127.0.0.1, in a background thread with its own loop.

It serves one folder (chrooted) to one login with a random password, under a host key made for
the test; `airflow_connection()` is the JSON an `AIRFLOW_CONN_<ID>` variable takes, with the host
key pinned (no `no_host_key_check`), as a county would set it up.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import threading
from pathlib import Path

import asyncssh


class _PasswordServer(asyncssh.SSHServer):
    def __init__(self, login: str, password: str):
        self._login, self._password = login, password

    def begin_auth(self, username: str) -> bool:
        return True  # every login must authenticate

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return secrets.compare_digest(username, self._login) and secrets.compare_digest(password, self._password)


class SftpServer:
    """``with SftpServer(root) as server:`` serves ``root`` as ``/`` on ``server.port``."""

    def __init__(self, root: Path, login: str = "county"):
        self.root = Path(root)
        self.login = login
        self.password = secrets.token_urlsafe(16)
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sftp-server", daemon=True)
        self._acceptor = None

    def __enter__(self) -> SftpServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        async def listen():
            return await asyncssh.listen(
                "127.0.0.1", 0,
                server_factory=lambda: _PasswordServer(self.login, self.password),
                server_host_keys=[self.host_key],
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(self.root).encode()),
                allow_scp=False,
            )

        self._acceptor = self._call(listen())
        self.port = self._acceptor.get_port()
        return self

    def __exit__(self, *exc) -> None:
        async def close():
            self._acceptor.close()
            await self._acceptor.wait_closed()

        try:
            if self._acceptor is not None:
                self._call(close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def airflow_connection(self, *, password: str | None = None, port: int | None = None) -> str:
        """The connection as JSON for `AIRFLOW_CONN_<ID>` (optionally with a wrong password or port)."""
        public = self.host_key.export_public_key("openssh").decode().split()
        return json.dumps({
            "conn_type": "sftp", "host": "127.0.0.1", "port": port or self.port, "login": self.login,
            "password": self.password if password is None else password,
            "extra": {"host_key": f"{public[0]} {public[1]}", "look_for_keys": "false"},
        })
