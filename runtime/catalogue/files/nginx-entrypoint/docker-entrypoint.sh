#!/bin/sh
# docker-entrypoint.sh — dockerlings lab build of nginx.
#
# Does what the official image's entrypoint is for: when the container is about to run
# nginx, it first runs the executable *.sh scripts in /docker-entrypoint.d/ in name
# order, then replaces itself with the command (`exec "$@"`), so nginx becomes PID 1.
# Set NGINX_ENTRYPOINT_QUIET_LOGS=1 to silence its messages.
set -e

ME="${0##*/}"

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    ran=0
    for script in /docker-entrypoint.d/*.sh; do
        [ -e "$script" ] || continue
        if [ "$ran" = 0 ]; then
            entrypoint_log "$ME: running the setup scripts in /docker-entrypoint.d/"
            ran=1
        fi
        if [ -x "$script" ]; then
            entrypoint_log "$ME: running $script"
            "$script"
        else
            entrypoint_log "$ME: skipping $script, it is not executable"
        fi
    done
    if [ "$ran" = 0 ]; then
        entrypoint_log "$ME: no setup scripts in /docker-entrypoint.d/"
    fi
    entrypoint_log "$ME: setup done, starting nginx"
fi

exec "$@"
