#!/usr/bin/env bash
# Start the web app on http://127.0.0.1:5000 and the scheduler as its own process; Ctrl-C stops both.
set -uo pipefail
VENV=${1:-.venv}
FLASK="$VENV/bin/flask --app wsgi"

$FLASK scheduler run &
SCHED=$!
$VENV/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --access-logfile - wsgi:app &
WEB=$!

stop() { kill "$WEB" "$SCHED" 2>/dev/null; wait "$WEB" "$SCHED" 2>/dev/null; exit 0; }
trap stop INT TERM

sleep 1
echo
echo "规范性文件审查备案跟踪 已启动： http://127.0.0.1:5000   （Ctrl-C 停止网站和定时任务）"
echo "公开文件库（无需登录）：   http://127.0.0.1:5000/public/"
$FLASK demo logins 2>/dev/null || true
wait -n "$WEB" "$SCHED"
stop
