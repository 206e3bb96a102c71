# .bash_profile — read by login shells. dockerlings lab build of centos 7.

if [ -f ~/.bashrc ]; then
    . ~/.bashrc
fi

PATH=$PATH:$HOME/bin
export PATH
