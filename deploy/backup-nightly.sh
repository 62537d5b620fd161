#!/usr/bin/env bash
# Nightly backup of Kỷ Cương: `manage.py backup` into a dated folder, checked at once with
# `restore --check`, folders older than KEEP_DAYS removed. Run by kycuong-backup.service.
# Copy BACKUP_ROOT to another machine too: a backup on the database's disk is not a backup.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKUP_ROOT=${BACKUP_ROOT:-/var/backups/kycuong}
KEEP_DAYS=${KEEP_DAYS:-30}
folder="$BACKUP_ROOT/$(date +%Y-%m-%dT%H%M)"

.venv/bin/python manage.py backup --output "$folder"
.venv/bin/python manage.py restore --check --input "$folder"
find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -mtime +"$KEEP_DAYS" -exec rm -rf {} +
