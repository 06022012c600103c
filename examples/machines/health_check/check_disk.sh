#!/bin/sh
# A tiny Nagios plugin: CRITICAL when / is fuller than $1 percent (default 90), with perfdata.
limit="${1:-90}"
used=$(df -P / | awk 'NR==2 { sub("%", "", $5); print $5 }')
if [ -z "$used" ]; then
  echo "UNKNOWN: could not read the usage of /"
  exit 3
fi
if [ "$used" -gt "$limit" ]; then
  echo "CRITICAL: / is ${used}% full|used=${used}%;${limit};${limit};0;100"
  exit 2
fi
echo "OK: / is ${used}% full|used=${used}%;${limit};${limit};0;100"
exit 0
