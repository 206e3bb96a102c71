# ~/.profile for root, read by login shells. dockerlings lab build.

if [ "$BASH" ]; then
  if [ -f ~/.bashrc ]; then
    . ~/.bashrc
  fi
fi
