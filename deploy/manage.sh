#!/bin/sh
# manage.py with the production environment file, for the operator's commands:
#   sudo -u laifaxin deploy/manage.sh migrate
# LAIFAXIN_ENV names another file (default /etc/laifaxin/laifaxin.env).
set -eu
set -a
. "${LAIFAXIN_ENV:-/etc/laifaxin/laifaxin.env}"
set +a
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py "$@"
