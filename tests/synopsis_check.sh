#!/bin/sh
# Checks that the man page's SYNOPSIS, as mandoc renders it, is the usage
# that `floodchat --help` prints, word for word.
# usage: synopsis_check.sh ./floodchat man/floodchat.1
bin=$1
man=$2
help=$("$bin" --help | sed -n '1,/^$/p' | sed 's/^usage: //' | tr -s ' \n' '  ' | sed 's/^ *//;s/ *$//')
synopsis=$(mandoc -Tascii "$man" | sed 's/.\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
  sed '1d;$d' | tr -s ' \n' '  ' | sed 's/^ *//;s/ *$//')
if [ "$help" != "$synopsis" ]; then
  echo "SYNOPSIS and --help differ:"
  echo "  --help:   $help"
  echo "  SYNOPSIS: $synopsis"
  exit 1
fi
