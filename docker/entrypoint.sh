#!/bin/sh
# Marquee's container entrypoint, following the conventions of the images Plex users already run
# (LinuxServer.io's): PUID/PGID pick the user Marquee runs as, so it reads the Plex and Tautulli
# folders as their owner without a manual chown; UMASK sets the mode of the files it creates; TZ is
# the zone (Marquee reads it when MARQUEE_TZ is unset). /config holds Marquee's own state.
#
# Started as root (the image's default), it takes ownership of Marquee's own state directory only
# (never the Plex or Tautulli mounts) and drops to PUID:PGID before anything else runs: Marquee
# itself never runs as root. Started as another user (`docker run --user`, compose `user:`), it runs
# as that user and ignores PUID/PGID.
set -eu

umask "${UMASK:-022}"

if [ "$(id -u)" != "0" ]; then
  exec "$@"
fi

PUID="${PUID:-1000}"
PGID="${PGID:-1000}"
case "$PUID$PGID" in
  *[!0-9]*)
    echo "marquee: PUID and PGID must be numbers (got PUID=$PUID PGID=$PGID)" >&2
    exit 2
    ;;
esac
if [ "$PUID" = "0" ] || [ "$PGID" = "0" ]; then
  echo "marquee: refusing to run as root (PUID=$PUID PGID=$PGID); pick the user that owns your Plex and Tautulli folders" >&2
  exit 2
fi

state="${MARQUEE_DATA_DIR:-/config}"
mkdir -p "$state"
# Only when the owner differs, so a large poster cache is not walked on every start.
if [ "$(stat -c %u:%g "$state")" != "$PUID:$PGID" ]; then
  chown -R "$PUID:$PGID" "$state"
fi

exec setpriv --reuid="$PUID" --regid="$PGID" --clear-groups -- "$@"
