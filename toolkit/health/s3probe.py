"""An S3 round trip with AWS Signature V4, standard library only (shipped as text to the client
that runs it, so it needs nothing installed there): create a bucket, put an object, get it back,
delete the object and the bucket. The same code checks Ceph RGW and MinIO.

Run as a script: ``python3 - ENDPOINT`` with ``AIDC_S3_KEYS_FILE`` naming a JSON file
``{"access": ..., "secret": ...}`` (read, then deleted: the keys never travel on a command line);
prints one JSON line ``{"ok": bool, "steps": [[name, http status], ...], "error": str}``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

REGION = "us-east-1"


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_request(
    method: str,
    endpoint: str,
    path: str,
    access: str,
    secret: str,
    body: bytes = b"",
    now: datetime.datetime | None = None,
) -> urllib.request.Request:
    """A SigV4-signed request (path-style addressing, service ``s3``)."""
    now = now or datetime.datetime.now(datetime.UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    u = urllib.parse.urlsplit(endpoint)
    host = u.netloc
    payload = hashlib.sha256(body).hexdigest()
    canonical_path = urllib.parse.quote(path, safe="/-_.~")
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [method, canonical_path, "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload]
    )
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _sign(_sign(_sign(_sign(f"AWS4{secret}".encode(), day), REGION), "s3"), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={signature}"
    req = urllib.request.Request(f"{u.scheme}://{host}{canonical_path}", data=body or None, method=method)
    for k, v in headers.items():
        if k != "host":
            req.add_header(k, v)
    req.add_header("Authorization", auth)
    return req


def round_trip(endpoint: str, access: str, secret: str, timeout: float = 10.0) -> dict[str, object]:
    bucket = f"aidc-check-{uuid.uuid4().hex[:10]}"
    body = f"aidc {bucket}\n".encode()
    steps: list[list[object]] = []
    plan = [
        ("create bucket", "PUT", f"/{bucket}", b""),
        ("put object", "PUT", f"/{bucket}/probe.txt", body),
        ("get object", "GET", f"/{bucket}/probe.txt", b""),
        ("delete object", "DELETE", f"/{bucket}/probe.txt", b""),
        ("delete bucket", "DELETE", f"/{bucket}", b""),
    ]
    for name, method, path, data in plan:
        try:
            with urllib.request.urlopen(
                signed_request(method, endpoint, path, access, secret, data), timeout=timeout
            ) as r:
                got = r.read()
                steps.append([name, r.status])
                if name == "get object" and got != body:
                    return {"ok": False, "steps": steps, "error": "get object returned other bytes than put"}
        except urllib.error.HTTPError as exc:
            steps.append([name, exc.code])
            return {"ok": False, "steps": steps, "error": f"{name}: HTTP {exc.code} {exc.read()[:200]!r}"}
        except OSError as exc:
            return {"ok": False, "steps": steps, "error": f"{name}: {exc}"}
    return {"ok": True, "steps": steps, "error": ""}


def read_keys(path: str) -> tuple[str, str]:
    """(access, secret) from the keys file, which is removed once read."""
    try:
        with open(path) as fh:
            data = json.load(fh)
    finally:
        if os.path.exists(path):
            os.unlink(path)
    return str(data["access"]), str(data["secret"])


if __name__ == "__main__":
    print(json.dumps(round_trip(sys.argv[1], *read_keys(os.environ["AIDC_S3_KEYS_FILE"]))))
