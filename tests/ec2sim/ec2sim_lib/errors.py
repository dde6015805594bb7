# SPDX-License-Identifier: ISC
"""API errors and the HTTP status EC2/STS give each error code.

Handlers raise ApiError; the server turns it into the protocol's error
envelope.  Keeping the code->status table in one place means every path
(validation, auth, state, faults) answers with the same status EC2 would.
"""

from typing import Optional

# HTTP status per EC2 error code; anything not listed is a 400 client error.
EC2_STATUS = {
    "AuthFailure": 401,
    "MissingAuthenticationToken": 401,
    "SignatureDoesNotMatch": 403,
    "UnauthorizedOperation": 403,
    "OptInRequired": 403,
    "DryRunOperation": 412,
    "RequestLimitExceeded": 503,
    "InternalError": 500,
    "InternalFailure": 500,
    "ServerInternal": 500,
    "Unavailable": 503,
    "ServiceUnavailable": 503,
}

# HTTP status per STS error code (query protocol); default 400.
STS_STATUS = {
    "InvalidClientTokenId": 403,
    "SignatureDoesNotMatch": 403,
    "AccessDenied": 403,
    "IDPRejectedClaim": 403,
    "RegionDisabledException": 403,
    "MissingAuthenticationToken": 403,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "Throttling": 400,
}

# STS errors carry <Type>: Receiver for server-side faults, Sender otherwise.
STS_RECEIVER = {"InternalFailure", "ServiceUnavailable", "IDPCommunicationError"}


class ApiError(Exception):
    """An error the API answers with: code, human message, optional status.

    status=None means "look the code up in the protocol's table", so the same
    error raised from shared code gets the right status for EC2 or STS.
    """

    def __init__(self, code: str, message: str, status: Optional[int] = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def ec2_status(self) -> int:
        return self.status or EC2_STATUS.get(self.code, 400)

    def sts_status(self) -> int:
        return self.status or STS_STATUS.get(self.code, 400)
