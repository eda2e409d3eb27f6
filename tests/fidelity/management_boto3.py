"""Drives chat-local's Management API with boto3's `apigatewaymanagementapi` client, as a
Python function behind API Gateway would (tests/tests/management_fidelity.rs runs it).

Usage: management_boto3.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY (live|closed) CONNECTION_ID

Prints one JSON object: what each call answered (status, error code, typed result fields).
"""

import json
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

# One attempt, short timeouts: the Rust test bounds the whole run.
BOUNDED = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1, "mode": "standard"})


def client(endpoint, key, secret, signed=True):
    config = BOUNDED if signed else BOUNDED.merge(Config(signature_version=UNSIGNED))
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=config,
    )


def connection(result):
    """GetConnection's fields with their Python types, as a handler would read them."""
    identity = result.get("Identity", {})
    return {
        "connected_at_type": type(result.get("ConnectedAt")).__name__,
        "connected_at": result["ConnectedAt"].isoformat() if "ConnectedAt" in result else None,
        "last_active_at_type": type(result.get("LastActiveAt")).__name__,
        "source_ip": identity.get("SourceIp"),
        "user_agent": identity.get("UserAgent"),
    }


def outcome(call, describe=None):
    try:
        result = call()
    except ClientError as err:
        return {
            "status": err.response["ResponseMetadata"]["HTTPStatusCode"],
            "code": err.response["Error"]["Code"],
            "message": err.response["Error"].get("Message"),
        }
    answer = {"status": result["ResponseMetadata"]["HTTPStatusCode"]}
    if describe:
        answer.update(describe(result))
    return answer


def main():
    endpoint, key, secret, step, connection_id = sys.argv[1:6]
    signed = client(endpoint, key, secret)
    report = {}
    if step == "live":
        report["get"] = outcome(lambda: signed.get_connection(ConnectionId=connection_id), connection)
        report["post"] = outcome(
            lambda: signed.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"from-boto3"}')
        )
        unsigned = client(endpoint, key, secret, signed=False)
        report["unsigned_post"] = outcome(
            lambda: unsigned.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"forged"}')
        )
        wrong = client(endpoint, key, secret + "-wrong")
        report["wrong_secret_get"] = outcome(lambda: wrong.get_connection(ConnectionId=connection_id))
        report["wrong_secret_delete"] = outcome(lambda: wrong.delete_connection(ConnectionId=connection_id))
        report["unknown_post"] = outcome(
            lambda: signed.post_to_connection(ConnectionId="NoSuchConn0000=", Data=b"{}")
        )
        report["delete"] = outcome(lambda: signed.delete_connection(ConnectionId=connection_id))
    elif step == "closed":
        report["post"] = outcome(lambda: signed.post_to_connection(ConnectionId=connection_id, Data=b"{}"))
        report["get"] = outcome(lambda: signed.get_connection(ConnectionId=connection_id))
    else:
        sys.exit(f"unknown step {step!r}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
