"""What every AWS call of the audit shares: the client configuration, and how a failed call is said."""

from __future__ import annotations

from http import HTTPStatus

from botocore.config import Config
from botocore.exceptions import ClientError

from ..errors import InputError

# Read as `aws.CONFIG` where a client is made, so that a test may change it.
CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=32)


class AuditError(InputError):
    """Something the audit could not read, with the account and region ("-" when none) it belongs to."""

    def __init__(self, account: str, region: str, message: str):
        super().__init__(account if region == "-" else f"{account}/{region}", message)
        self.account, self.region = account, region

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_json(self) -> dict:
        return {"account": self.account, "region": self.region, "message": self.message}


def reason(exc: Exception) -> str:
    """The call, the error code and a short message, on one line: never an HTTP body (an endpoint
    without the call may answer with an HTML page)."""
    if not isinstance(exc, ClientError):
        return " ".join(str(exc).split())
    err, status = exc.response.get("Error", {}), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = " ".join(str(err.get("Message", "")).split())
    if message.startswith("<"):  # a web page
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = ""
    message = message if len(message) <= 200 else message[:199] + "…"
    return f"{exc.operation_name}: {err.get('Code', 'Error')}: {message}".rstrip(": ")
