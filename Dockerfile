# Drive in a container, in two stages: the first compiles (gcc and the
# -dev packages live only there), the second carries the binaries, the
# shared libraries they need and PostgreSQL for the embedded default.
#
#   docker build -t drive .
#   docker run -p 8888:8888 -v drive-var:/srv/drive/var drive
#
# The default image needs an external PostgreSQL (DRIVE_DATABASE_URL);
# `--target embedded` adds PostgreSQL and keeps its data under
# /srv/drive/var (mount a volume there).
# Put nginx with TLS in front (conf/nginx-drive.conf): Kore 4.1.0 serves
# plain HTTP only.  README.md ("Container") says how this file was checked.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      kore libcmark-dev libjansson-dev libargon2-dev libcurl4-openssl-dev \
      libssl-dev libpq-dev liboath-dev libqrencode-dev libcjose-dev gcc libc6-dev make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY app app
RUN make build

# The runtime: the binaries and the shared libraries they need.  Kore's
# Debian package depends on gcc's headers and three -dev packages (it ships
# kodev too); the server itself needs only these libraries, so its binary
# is copied from the build stage.  It talks to an external PostgreSQL:
# set DRIVE_DATABASE_URL (and DRIVE_OWNER_URL for migrations, see README).
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libpq5 libcmark0.30.2 libjansson4 libargon2-1 libcurl4 \
      liboath0 libqrencode4 libcjose0 \
      curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/bin/kore /usr/bin/kore
WORKDIR /srv/drive
COPY --from=build /src/build/drive.so /src/build/drivectl \
     /src/build/drive-mailer build/
COPY conf conf
COPY assets assets
COPY sql sql
ENV DRIVE_BIND=0.0.0.0 \
    DRIVE_PORT=8888
EXPOSE 8888
VOLUME /srv/drive/var
CMD ["conf/local.sh", "run"]

# `docker build --target embedded`: the same with PostgreSQL inside, for a
# trial without a database server (data under /srv/drive/var).
FROM runtime AS embedded
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql-15 \
 && rm -rf /var/lib/apt/lists/*

# The default image is the runtime.
FROM runtime
