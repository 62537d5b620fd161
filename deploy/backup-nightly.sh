#!/usr/bin/env bash
# Nightly backup of Kỷ Cương: `manage.py backup` into a dated folder, checked at once with
# `restore --check`, folders older than KEEP_DAYS removed. Run by kycuong-backup.service.
# Copy BACKUP_ROOT to another machine too: a backup on the database's disk is not a backup.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKUP_ROOT=${BACKUP_ROOT:-/var/backups/kycuong}
KEEP_DAYS=${KEEP_DAYS:-30}
folder="$BACKUP_ROOT/$(date +%Y-%m-%dT%H%M)"
# With MEDIA_STORAGE=s3 the bucket is backed up on its own and `backup` refuses to run
# without --database-only: say so in the environment file, it is not guessed here.
options=()
if [[ ${BACKUP_DATABASE_ONLY:-false} == true ]]; then options+=(--database-only); fi

.venv/bin/python manage.py backup "${options[@]}" --output "$folder"
.venv/bin/python manage.py restore --check --input "$folder"
find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -mtime +"$KEEP_DAYS" -exec rm -rf {} +
