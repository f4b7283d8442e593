"""POST /qstash/publish and /qstash/failed: signed deliveries from QStash.

Both read the raw body and verify the signature before anything else; a
delivery that fails a check gets 401 and changes nothing. Replies steer
QStash: 2xx ends the message, 5xx (with Retry-After) asks for a retry, and
489 with Upstash-NonRetryable-Error ends it as failed at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
from collections.abc import Sequence
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callbacks.qstash_signature import SignatureRejected, verify_signature
from domain.errors import JobQueueError
from domain.execution import Execution, execute_post, fail_after_retries
from domain.model import PostStatus
from domain.services import Services
from jobqueue.qstash import JobBody, QStashJobQueue

logger = logging.getLogger(__name__)

PUBLISH_PATH = "/qstash/publish"
FAILED_PATH = "/qstash/failed"

# A delivery this much before its instant is early (a hop, or clock skew):
# the rest of the wait is published again instead of publishing the post.
EARLY_TOLERANCE = timedelta(seconds=2)

_NON_RETRYABLE = {"Upstash-NonRetryable-Error": "true"}


class QStashDeliveries:
    def __init__(
        self,
        services: Services,
        queue: QStashJobQueue,
        public_base_url: str,
        signing_keys: Sequence[str],
    ) -> None:
        self._services = services
        self._queue = queue
        self._keys = list(signing_keys)
        self.publish_url = public_base_url + PUBLISH_PATH
        self.failure_url = public_base_url + FAILED_PATH

    async def publish(self, request: Request) -> Response:
        """A job is due: publish the post once, or forward the next hop."""
        raw = await request.body()
        message_id = request.headers.get("Upstash-Message-Id", "-")
        rejection = self._verify(request, raw, self.publish_url, message_id)
        if rejection is not None:
            return rejection

        try:
            job = JobBody.from_bytes(raw)
        except ValueError:
            logger.exception("QStash delivery body unreadable: job=%s", message_id)
            return Response(status_code=489, headers=_NON_RETRYABLE)

        now = self._services.clock.now()
        if job.run_at - now > EARLY_TOLERANCE:
            return await self._forward(job, message_id)

        result = await execute_post(self._services, job.post_id, job.version)
        if result.execution is Execution.FAILED:
            return Response(status_code=489, headers=_NON_RETRYABLE)
        if result.execution in (Execution.RETRY, Execution.NOT_YET):
            seconds = result.retry_after.total_seconds() if result.retry_after else 0
            headers = {"Retry-After": str(max(1, math.ceil(seconds)))} if seconds else {}
            return JSONResponse({"result": "retry"}, status_code=503, headers=headers)
        return JSONResponse({"result": result.execution.value})

    async def failed(self, request: Request) -> Response:
        """QStash gave up on a job: the post fails, and its owner is told once."""
        raw = await request.body()
        message_id = request.headers.get("Upstash-Message-Id", "-")
        rejection = self._verify(request, raw, self.failure_url, message_id)
        if rejection is not None:
            return rejection

        try:
            callback = json.loads(raw)
            job = JobBody.from_bytes(base64.b64decode(callback["sourceBody"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            logger.exception("QStash failure callback unreadable: job=%s", message_id)
            return JSONResponse({"result": "ignored"})

        failed = await fail_after_retries(self._services, job.post_id, job.version)
        logger.info(
            "QStash failure callback: post=%s version=%s status=%s marked_failed=%s",
            job.post_id,
            job.version,
            callback.get("status"),
            failed,
        )
        return JSONResponse({"result": "failed" if failed else "nothing_to_do"})

    def _verify(self, request: Request, raw: bytes, url: str, message_id: str) -> Response | None:
        try:
            verify_signature(request.headers.get("Upstash-Signature"), raw, url, self._keys)
        except SignatureRejected as error:
            logger.warning("QStash delivery rejected: job=%s check=%s", message_id, error.check)
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        return None

    async def _forward(self, job: JobBody, message_id: str) -> Response:
        store = self._services.store
        post = await store.posts.get(job.post_id)
        if post is None or post.status is not PostStatus.SCHEDULED or post.version != job.version:
            logger.info("early delivery for a post that moved on: post=%s", job.post_id)
            return JSONResponse({"result": Execution.NOTHING_TO_CLAIM.value})

        try:
            job_id = await self._queue.forward(post.id, post.version, job.run_at, message_id)
        except JobQueueError:
            # Answering 5xx makes QStash deliver this hop again later.
            logger.warning("next hop not published: post=%s job=%s", post.id, message_id)
            return JSONResponse({"result": "retry"}, status_code=503)

        now = self._services.clock.now()
        await store.posts.transition(post, PostStatus.SCHEDULED, now, job_id=job_id)
        logger.info("hop forwarded: post=%s from=%s to=%s", post.id, message_id, job_id)
        return JSONResponse({"result": "forwarded"})
