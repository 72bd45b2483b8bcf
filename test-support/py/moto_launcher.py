"""Start moto's server in-process on 127.0.0.1 and a free port, and print that port.

Why not plain `moto_server`: tests need to read the emails SES "sent". moto's
`/moto-api/data.json` answers 500 after a multipart upload or a non-empty bucket delete,
so this launcher adds one route, `GET /_myblog/ses/sent`, that reads the SES backend's
stored messages directly (sesv2 sends through the ses backend).
"""
import json
import os
import sys
import threading

from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def sent_messages():
    from moto.ses.models import ses_backends

    out = []
    for account_id, regions in ses_backends.items():
        for region, backend in regions.items():
            for m in getattr(backend, "sent_messages", []):
                item = {"account": account_id, "region": region, "id": getattr(m, "id", None),
                        "source": getattr(m, "source", None)}
                if hasattr(m, "raw_data"):
                    item["raw"] = m.raw_data
                    item["destinations"] = {"ToAddresses": list(m.destinations)}
                else:
                    item["subject"] = getattr(m, "subject", None)
                    item["body"] = getattr(m, "body", None)
                    item["destinations"] = getattr(m, "destinations", None)
                out.append(item)
    return out


def wrap(app):
    def middleware(environ, start_response):
        if environ.get("PATH_INFO") == "/_myblog/ses/sent":
            body = json.dumps(sent_messages()).encode()
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)
    return middleware


def main():
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", int(os.environ.get("MOTO_PORT", "0")), wrap(app), threaded=True)
    port = server.server_address[1]
    os.environ["MOTO_PORT"] = str(port)
    # Announce the bound port (no race on picking a free one), then serve until stdin closes
    # or the parent kills us.
    print(f"MOTO_PORT={port}", flush=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        sys.stdin.read()
    except Exception:
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
