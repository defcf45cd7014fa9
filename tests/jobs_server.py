"""An app server as ``ieum serve --worker`` runs it, on the small test content: the app, the
embedded queue consumer and the ticker, in one real process (tests/test_jobs_servers.py).

    python -m tests.jobs_server PORT TICK_SECONDS
"""

from __future__ import annotations

import os
import sys

from tests.conftest import TEST_CONTENT


def main() -> None:
    port, tick_every = int(sys.argv[1]), float(sys.argv[2])
    from ieum import create_app
    from ieum.services.jobs import periodic, queue

    app = create_app({"SECRET_KEY": "shared-secret", "IEUM_CONTENT_ROOTS": [str(TEST_CONTENT)],
                      "IEUM_PLUGINS": False, "IEUM_LOGIN_RATE_LIMIT": "1000 per minute",
                      "IEUM_EXPORT_JOB_ROWS": int(os.environ.get("EXPORT_JOB_ROWS", "0")),
                      "SESSION_COOKIE_SECURE": False, "IEUM_TODAY": "2026-03-02"})
    queue.consumer(workers=2, embedded=True).start()
    periodic.start_ticking(app.extensions["ieum.jobs"], tick_every)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
