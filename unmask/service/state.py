"""The one object a request handler reaches for: `request.app.state.service`.

It holds what lives as long as the app: the settings, the key store, the lockout store and
the worker threads. Routers (the REST API here, the live stream and console elsewhere) take it
through the `service` dependency instead of building their own, so every route of the process
shares one set of models, one key store and one lockout state.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from unmask.service.keys import KeyStore, Principal
from unmask.service.lockout import LockoutStore
from unmask.service.settings import ServiceSettings
from unmask.service.worker import Worker


@dataclass
class Service:
    settings: ServiceSettings
    keys: KeyStore
    lockout: LockoutStore
    worker: Worker

    @classmethod
    def start(cls, settings: ServiceSettings) -> Service:
        return cls(
            settings=settings,
            keys=KeyStore(settings.data_dir),
            lockout=LockoutStore(
                settings.data_dir, settings.lockout.attacks, settings.lockout.window_seconds
            ),
            worker=Worker(
                settings.workers, settings.db, settings.data_dir, settings.limits.video_seconds
            ),
        )

    def check_key_unlocked(self, principal: Principal) -> None:
        self.lockout.check("key", principal.key_id)


def service(request: Request) -> Service:
    """Dependency: the app's Service."""
    found: Service = request.app.state.service
    return found
