# .bashrc for root — dockerlings lab build of centos 7.

alias rm='rm -i'
alias cp='cp -i'
alias mv='mv -i'

# The system-wide settings, including the prompt.
if [ -f /etc/bashrc ]; then
    . /etc/bashrc
fi
