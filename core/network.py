from django.conf import settings


def client_ip(request) -> str:
    """The address the request came from.

    Behind a reverse proxy REMOTE_ADDR is the proxy's own address, and every user would share
    one login throttle and one citizen-report limit. With TRUST_X_FORWARDED_FOR the last
    X-Forwarded-For entry is used: the one our proxy appended; earlier entries are whatever
    the client chose to send and are never trusted.
    """
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")
