# ~/.bashrc for root — dockerlings lab build.
# Read by every interactive bash; sets the prompt Debian and Ubuntu images show
# (root@<container id>:/# ) and a few conveniences.

# Not interactive: nothing to do.
case $- in
    *i*) ;;
      *) return;;
esac

PS1='\u@\h:\w\$ '

alias ls='ls --color=auto'
alias ll='ls -alF'
alias la='ls -A'
