"""WebSub: tell the configured hub which feeds changed, so subscribers hear of it in seconds."""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def notify_hub(hub: str, topics: Sequence[str]) -> bool:
    """POST `hub.mode=publish` for each changed feed URL; True when the hub accepted every one.

    A hub that is down must not fail the build (the feeds are already written and readers will
    poll them anyway), so failures are warnings.
    """
    accepted = True
    for topic in topics:
        body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic}).encode()
        request = urllib.request.Request(  # the hub URL is checked to be http(s) in config
            hub, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                status = response.status
        except (urllib.error.URLError, OSError) as error:
            logger.warning("WebSub hub %s was not notified of %s: %s", hub, topic, error)
            accepted = False
            continue
        if not 200 <= status < 300:
            logger.warning("WebSub hub %s answered %d for %s", hub, status, topic)
            accepted = False
        else:
            logger.info("WebSub hub %s notified of %s", hub, topic)
    return accepted
