#!/bin/sh
# 20-envsubst-on-templates.sh — dockerlings lab build of nginx.
#
# The official image turns /etc/nginx/templates/*.template into configuration files,
# filling in environment variables with envsubst. This lab build has no envsubst: it
# does nothing when there are no templates (the usual case) and says so when there are.
set -e

ME="${0##*/}"
template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"

[ -d "$template_dir" ] || exit 0

for template in "$template_dir"/*.template; do
    [ -e "$template" ] || continue
    echo "$ME: $template: templates are not filled in by this lab build; skipping it" >&2
done

exit 0
