# /etc/bash.bashrc — system-wide settings for interactive bash. dockerlings lab build.
# ~/.bashrc is read after this file and may change what is set here.

[ -z "$PS1" ] && return

PS1='\u@\h:\w\$ '
