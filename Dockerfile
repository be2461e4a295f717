# Drive in a container: the same `make run` as on a Debian machine, with
# the embedded PostgreSQL under /srv/drive/var (mount a volume there), or
# an external one through DRIVE_DATABASE_URL.  Put nginx with TLS in
# front (conf/nginx-drive.conf): Kore 4.1.0 serves plain HTTP only.
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      kore postgresql postgresql-contrib libcmark-dev libjansson-dev \
      libargon2-dev libcurl4-openssl-dev libssl-dev libpq-dev libcmocka-dev \
      gcc make curl python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/drive
COPY . .
RUN make build

ENV DRIVE_BIND=0.0.0.0 \
    DRIVE_PORT=8888
EXPOSE 8888
VOLUME /srv/drive/var
CMD ["conf/local.sh", "run"]
